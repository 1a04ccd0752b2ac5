package io.github.agentmemory.redis.recovery;

import java.util.Map;

import io.github.agentmemory.redis.command.DropReason;
import io.github.agentmemory.redis.command.Priority;

/**
 * A snapshot of the recovery queue: what waits now and what happened so far.
 *
 * @param size writes waiting now, per priority
 * @param enqueued writes that entered the queue, per priority
 * @param replayed queued writes that Redis applied on replay, per priority
 * @param dropped writes given up, per reason (every priority)
 * @param retries attempts beyond the first, of retried and replayed writes
 * @author agent-memory-redis
 */
public record RecoveryStats(Map<Priority, Integer> size, Map<Priority, Long> enqueued, Map<Priority, Long> replayed,
		Map<DropReason, Long> dropped, long retries) {

	/**
	 * Writes waiting now, all priorities together.
	 * @return the total size
	 */
	public int totalSize() {
		return this.size.values().stream().mapToInt(Integer::intValue).sum();
	}

	/**
	 * Writes given up so far, all reasons together.
	 * @return the total dropped
	 */
	public long totalDropped() {
		return this.dropped.values().stream().mapToLong(Long::longValue).sum();
	}

}
