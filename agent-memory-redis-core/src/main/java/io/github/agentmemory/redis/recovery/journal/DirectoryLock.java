package io.github.agentmemory.redis.recovery.journal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a journal directory, held through a lock file for the journal's
 * lifetime: a second journal on the same directory, in this process or another one,
 * fails fast instead of replaying or deleting the first one's writes. The operating
 * system releases the lock when the process dies, so a crash never leaves it behind.
 *
 * @author agent-memory-redis
 */
final class DirectoryLock implements AutoCloseable {

	static final String LOCK_FILE = "journal.lock";

	private final FileChannel channel;

	private final FileLock lock;

	private DirectoryLock(FileChannel channel, FileLock lock) {
		this.channel = channel;
		this.lock = lock;
	}

	static DirectoryLock acquire(Path directory) {
		Path file = directory.resolve(LOCK_FILE);
		FileChannel channel;
		try {
			channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
		}
		catch (IOException ex) {
			throw new JournalWriteException("Cannot open the lock file " + file + " of the recovery journal", ex);
		}
		try {
			FileLock lock = channel.tryLock();
			if (lock == null) {
				throw new JournalLockedException(directory, "Recovery journal directory " + directory
						+ " is in use by another process (" + file + " is locked); give each instance its own directory",
						null);
			}
			return new DirectoryLock(channel, lock);
		}
		catch (OverlappingFileLockException ex) {
			closeQuietly(channel);
			throw new JournalLockedException(directory, "Recovery journal directory " + directory
					+ " is already open in this process (" + file + " is locked); close the other journal first", ex);
		}
		catch (IOException ex) {
			closeQuietly(channel);
			throw new JournalWriteException("Cannot lock " + file + " of the recovery journal", ex);
		}
		catch (JournalLockedException ex) {
			closeQuietly(channel);
			throw ex;
		}
	}

	@Override
	public void close() {
		try {
			this.lock.release();
		}
		catch (IOException ex) {
			// the channel's close below releases it as well
		}
		closeQuietly(this.channel);
	}

	private static void closeQuietly(FileChannel channel) {
		try {
			channel.close();
		}
		catch (IOException ex) {
			// nothing left to release
		}
	}

}
