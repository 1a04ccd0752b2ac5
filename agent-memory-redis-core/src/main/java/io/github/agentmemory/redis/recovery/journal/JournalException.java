package io.github.agentmemory.redis.recovery.journal;

/**
 * Base class of the failures of a {@link RecoveryJournal}.
 *
 * @author agent-memory-redis
 */
public class JournalException extends RuntimeException {

	/**
	 * Create a new exception.
	 * @param message the detail message
	 * @param cause the cause, or {@code null}
	 */
	public JournalException(String message, Throwable cause) {
		super(message, cause);
	}

}
