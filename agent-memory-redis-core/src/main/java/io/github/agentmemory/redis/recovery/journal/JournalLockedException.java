package io.github.agentmemory.redis.recovery.journal;

import java.nio.file.Path;

/**
 * The journal directory is in use by another journal, in this process or another one.
 * Two journals on one directory would replay each other's writes, so the second one is
 * refused.
 *
 * @author agent-memory-redis
 */
public class JournalLockedException extends JournalException {

	private final Path directory;

	/**
	 * Create a new exception.
	 * @param directory the journal directory
	 * @param message the detail message
	 * @param cause the cause, or {@code null}
	 */
	public JournalLockedException(Path directory, String message, Throwable cause) {
		super(message, cause);
		this.directory = directory;
	}

	/**
	 * The journal directory that is locked.
	 * @return the directory
	 */
	public Path getDirectory() {
		return this.directory;
	}

}
