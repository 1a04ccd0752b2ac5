package io.github.agentmemory.redis.command;

/**
 * How a write is handled when Redis cannot take it right now (a transient fault or an
 * open circuit). Declared from most to least important: {@link #compareTo} orders
 * {@code CRITICAL} first.
 *
 * <ul>
 * <li>{@link #CRITICAL}: retried at once with exponential backoff; the caller learns the
 * final result.</li>
 * <li>{@link #HIGH} and {@link #NORMAL}: queued for background replay; {@code HIGH}
 * drains first and is evicted last.</li>
 * <li>{@link #LOW}: not retried; logged, counted and reported as dropped.</li>
 * </ul>
 *
 * @author agent-memory-redis
 */
public enum Priority {

	/** Retried immediately with backoff until it succeeds or its attempts are exhausted. */
	CRITICAL,

	/** Queued for replay ahead of {@link #NORMAL} writes. */
	HIGH,

	/** Queued for replay. */
	NORMAL,

	/** Dropped (and counted) when it cannot be applied at once. */
	LOW;

	/**
	 * Whether a failed write of this priority goes to the recovery queue.
	 * @return {@code true} for {@link #HIGH} and {@link #NORMAL}
	 */
	public boolean isQueued() {
		return this == HIGH || this == NORMAL;
	}

}
