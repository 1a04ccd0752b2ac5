package io.github.agentmemory.redis.recovery;

import java.util.concurrent.CompletableFuture;

import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.WriteOutcome;

import org.springframework.lang.Nullable;

/**
 * A queued write whose payload is in the recovery journal only (see
 * {@link ParkedWrites}), as it is taken out of the queue: to be loaded back for replay or
 * given up. Short-lived: the queue keeps its fields in arrays, not this object.
 *
 * @param id its journal entry's sequence, which is also its issue order among the writes
 * of its key
 * @param priority its priority
 * @param createdNanos when it was issued (monotonic nanoseconds)
 * @param attempts its own failed sends so far
 * @param settlement completes with its final outcome; {@code null} for a write taken back
 * from the journal at startup, which nobody was told about in this run
 * @author agent-memory-redis
 */
record ParkedWrite(long id, Priority priority, long createdNanos, int attempts,
		@Nullable CompletableFuture<WriteOutcome> settlement) {

	@Override
	public String toString() {
		return this.priority + " #" + this.id + " (journaled, not in memory)";
	}

}
