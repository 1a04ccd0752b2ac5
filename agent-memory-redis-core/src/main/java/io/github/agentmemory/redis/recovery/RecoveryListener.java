package io.github.agentmemory.redis.recovery;

import io.github.agentmemory.redis.command.DropReason;
import io.github.agentmemory.redis.command.Priority;

/**
 * Hears what happens to writes that could not be applied at once, for metrics. Called
 * synchronously, possibly on Lettuce's I/O thread: implementations must be quick and must
 * not block.
 *
 * @author agent-memory-redis
 */
public interface RecoveryListener {

	/**
	 * A write entered the queue.
	 * @param priority its priority
	 */
	default void enqueued(Priority priority) {
	}

	/**
	 * A queued write was applied on replay.
	 * @param priority its priority
	 */
	default void replayed(Priority priority) {
	}

	/**
	 * A write was given up.
	 * @param priority its priority
	 * @param reason why
	 */
	default void dropped(Priority priority, DropReason reason) {
	}

	/**
	 * A failed write is tried again.
	 * @param priority its priority ({@code null} for a write issued without one)
	 */
	default void retried(Priority priority) {
	}

}
