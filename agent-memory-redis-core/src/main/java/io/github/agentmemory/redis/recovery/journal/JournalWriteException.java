package io.github.agentmemory.redis.recovery.journal;

/**
 * The journal could not store or read entries: the disk is full, an I/O error occurred,
 * the journal was closed, or the sequence was already journaled. An append that
 * completes with this exception was not journaled.
 *
 * @author agent-memory-redis
 */
public class JournalWriteException extends JournalException {

	/**
	 * Create a new exception.
	 * @param message the detail message
	 * @param cause the cause, or {@code null}
	 */
	public JournalWriteException(String message, Throwable cause) {
		super(message, cause);
	}

}
