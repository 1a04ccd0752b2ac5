package io.github.agentmemory.redis.recovery.journal;

import java.nio.file.Path;

import org.springframework.lang.Nullable;
import org.springframework.util.Assert;

/**
 * Immutable settings of a {@link SqliteRecoveryJournal}.
 *
 * <pre class="code">
 * JournalSettings settings = JournalSettings.builder()
 *     .directory(Path.of("/var/lib/my-service/redis-journal"))
 *     .sync(JournalSync.POWER_LOSS)
 *     .build();
 * </pre>
 *
 * @author agent-memory-redis
 */
public final class JournalSettings {

	/** Most entries the journal holds by default. */
	public static final int DEFAULT_MAX_ENTRIES = 1_000_000;

	/** Most encoded bytes of entries the journal holds by default: 1 GiB. */
	public static final long DEFAULT_MAX_BYTES = 1024L * 1024 * 1024;

	/** What an acknowledged append survives by default. */
	public static final JournalSync DEFAULT_SYNC = JournalSync.PROCESS_CRASH;

	/** Most appends and removals in one transaction by default. */
	public static final int DEFAULT_MAX_BATCH = 4096;

	private final Path directory;

	private final int maxEntries;

	private final long maxBytes;

	private final JournalSync sync;

	private final int maxBatch;

	private JournalSettings(Builder builder) {
		this.directory = builder.directory;
		this.maxEntries = builder.maxEntries;
		this.maxBytes = builder.maxBytes;
		this.sync = builder.sync;
		this.maxBatch = builder.maxBatch;
	}

	/**
	 * Create settings with the defaults for the given directory.
	 * @param directory the journal directory
	 * @return the settings
	 */
	public static JournalSettings create(Path directory) {
		return builder().directory(directory).build();
	}

	/**
	 * Create a new builder with the defaults and no directory.
	 * @return the builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * Create a builder initialized with these settings.
	 * @return the builder
	 */
	public Builder mutate() {
		Builder builder = new Builder();
		builder.directory = this.directory;
		builder.maxEntries = this.maxEntries;
		builder.maxBytes = this.maxBytes;
		builder.sync = this.sync;
		builder.maxBatch = this.maxBatch;
		return builder;
	}

	/**
	 * Directory of the journal: it holds the database file {@code journal.db}, its
	 * write-ahead log and the lock file {@code journal.lock}.
	 * @return the directory
	 */
	public Path getDirectory() {
		return this.directory;
	}

	/**
	 * Most entries the journal holds; an append beyond fails with
	 * {@link JournalFullException}.
	 * @return the entry limit
	 */
	public int getMaxEntries() {
		return this.maxEntries;
	}

	/**
	 * Most encoded bytes of entries the journal holds; an append beyond fails with
	 * {@link JournalFullException}. The database file is larger by SQLite's page and
	 * index overhead.
	 * @return the byte limit
	 */
	public long getMaxBytes() {
		return this.maxBytes;
	}

	/**
	 * What an acknowledged append survives.
	 * @return the sync policy
	 */
	public JournalSync getSync() {
		return this.sync;
	}

	/**
	 * Most appends and removals committed in one transaction.
	 * @return the batch limit
	 */
	public int getMaxBatch() {
		return this.maxBatch;
	}

	@Override
	public String toString() {
		return "JournalSettings[directory=" + this.directory + ", maxEntries=" + this.maxEntries + ", maxBytes="
				+ this.maxBytes + ", sync=" + this.sync + ", maxBatch=" + this.maxBatch + "]";
	}

	/**
	 * Builder for {@link JournalSettings}.
	 */
	public static final class Builder {

		@Nullable
		private Path directory;

		private int maxEntries = DEFAULT_MAX_ENTRIES;

		private long maxBytes = DEFAULT_MAX_BYTES;

		private JournalSync sync = DEFAULT_SYNC;

		private int maxBatch = DEFAULT_MAX_BATCH;

		private Builder() {
		}

		/**
		 * Set the journal directory; it is created when the journal opens if it does not
		 * exist. Required.
		 * @param directory the directory
		 * @return this builder
		 */
		public Builder directory(Path directory) {
			Assert.notNull(directory, "'directory' must not be null");
			this.directory = directory;
			return this;
		}

		/**
		 * Set the most entries the journal holds. Defaults to
		 * {@link #DEFAULT_MAX_ENTRIES}.
		 * @param maxEntries the limit, at least 1
		 * @return this builder
		 */
		public Builder maxEntries(int maxEntries) {
			Assert.isTrue(maxEntries >= 1, () -> "'maxEntries' must be at least 1, was " + maxEntries);
			this.maxEntries = maxEntries;
			return this;
		}

		/**
		 * Set the most encoded bytes of entries the journal holds. Defaults to
		 * {@link #DEFAULT_MAX_BYTES}.
		 * @param maxBytes the limit, at least 1
		 * @return this builder
		 */
		public Builder maxBytes(long maxBytes) {
			Assert.isTrue(maxBytes >= 1, () -> "'maxBytes' must be at least 1, was " + maxBytes);
			this.maxBytes = maxBytes;
			return this;
		}

		/**
		 * Set what an acknowledged append survives. Defaults to {@link #DEFAULT_SYNC}.
		 * @param sync the sync policy
		 * @return this builder
		 */
		public Builder sync(JournalSync sync) {
			Assert.notNull(sync, "'sync' must not be null");
			this.sync = sync;
			return this;
		}

		/**
		 * Set the most appends and removals committed in one transaction. Defaults to
		 * {@link #DEFAULT_MAX_BATCH}.
		 * @param maxBatch the limit, at least 1
		 * @return this builder
		 */
		public Builder maxBatch(int maxBatch) {
			Assert.isTrue(maxBatch >= 1, () -> "'maxBatch' must be at least 1, was " + maxBatch);
			this.maxBatch = maxBatch;
			return this;
		}

		/**
		 * Build the settings.
		 * @return the immutable settings
		 * @throws IllegalArgumentException if no directory was set
		 */
		public JournalSettings build() {
			Assert.notNull(this.directory, "'directory' must be set");
			return new JournalSettings(this);
		}

	}

}
