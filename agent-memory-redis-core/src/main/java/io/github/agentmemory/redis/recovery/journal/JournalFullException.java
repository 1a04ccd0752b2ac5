package io.github.agentmemory.redis.recovery.journal;

/**
 * An append was refused because the journal holds as many entries or bytes as its
 * settings allow. Nothing in the journal was changed; the refused entry was not
 * journaled.
 *
 * @author agent-memory-redis
 */
public class JournalFullException extends JournalException {

	/**
	 * Create a new exception.
	 * @param message the detail message, naming the limit that was reached
	 */
	public JournalFullException(String message) {
		super(message, null);
	}

}
