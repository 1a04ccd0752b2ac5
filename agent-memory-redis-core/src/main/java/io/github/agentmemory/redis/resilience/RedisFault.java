package io.github.agentmemory.redis.resilience;

/**
 * What kind of failure an error is, which decides how the template reacts to it.
 *
 * <table>
 * <caption>Reactions per kind</caption>
 * <tr><th>kind</th><th>circuit breaker</th><th>automatic retry</th><th>recovery queue</th></tr>
 * <tr><td>{@link #TRANSIENT}</td><td>failure</td><td>yes (idempotent commands)</td><td>yes</td></tr>
 * <tr><td>{@link #RESOURCE_EXHAUSTED}</td><td>success (Redis answered)</td><td>no</td><td>yes</td></tr>
 * <tr><td>{@link #PERMANENT}</td><td>success (Redis answered)</td><td>no</td><td>no</td></tr>
 * <tr><td>{@link #INVALID_USAGE}</td><td>not counted</td><td>no</td><td>no</td></tr>
 * </table>
 *
 * @author agent-memory-redis
 */
public enum RedisFault {

	/**
	 * Redis is unreachable or temporarily unable to serve: connection refused, reset or
	 * closed, timeouts, commands rejected while disconnected, {@code LOADING},
	 * {@code BUSY}, {@code TRYAGAIN}, {@code CLUSTERDOWN}, {@code MASTERDOWN},
	 * {@code READONLY}, {@code MOVED}/{@code ASK} left unresolved, and an open circuit.
	 */
	TRANSIENT,

	/**
	 * Redis is up but refuses writes for lack of memory ({@code OOM ... maxmemory}).
	 * Reads still work, so the circuit stays closed and the write is not retried at once,
	 * but a queued write can be replayed once memory is freed.
	 */
	RESOURCE_EXHAUSTED,

	/**
	 * Redis refused the command for good: {@code WRONGTYPE}, syntax errors, unknown
	 * commands, {@code NOAUTH}/{@code WRONGPASS}, {@code NOPERM} and other replies that
	 * retrying cannot change.
	 */
	PERMANENT,

	/** The caller's mistake, found before anything reached Redis. */
	INVALID_USAGE;

	/**
	 * Whether a failed write of this kind may be applied later.
	 * @return {@code true} for {@link #TRANSIENT} and {@link #RESOURCE_EXHAUSTED}
	 */
	public boolean isRecoverable() {
		return this == TRANSIENT || this == RESOURCE_EXHAUSTED;
	}

}
