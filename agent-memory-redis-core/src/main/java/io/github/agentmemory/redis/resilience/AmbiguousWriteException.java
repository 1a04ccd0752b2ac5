package io.github.agentmemory.redis.resilience;

import org.springframework.dao.NonTransientDataAccessException;

/**
 * A write that is not idempotent reached Redis, or may have, and then failed without a
 * reply (a timeout, a lost connection): Redis may or may not have applied it. It is not
 * retried or queued, since running it again could apply it twice; the caller decides.
 *
 * @author agent-memory-redis
 */
public class AmbiguousWriteException extends NonTransientDataAccessException {

	/**
	 * Create a new exception.
	 * @param command the command
	 * @param cause the failure after the write was sent
	 */
	public AmbiguousWriteException(String command, Throwable cause) {
		super(command + " may have been applied: it failed after it was sent (" + cause.getMessage()
				+ "), and it is not idempotent, so it is neither retried nor queued", cause);
	}

}
