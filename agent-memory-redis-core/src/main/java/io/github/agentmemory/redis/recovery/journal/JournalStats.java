package io.github.agentmemory.redis.recovery.journal;

import java.time.Duration;
import java.time.Instant;

import org.springframework.lang.Nullable;

/**
 * A snapshot of a {@link RecoveryJournal}: what it holds now and what happened so far.
 *
 * @param entries entries committed to the journal now
 * @param bytes encoded bytes of those entries
 * @param oldestEntryCreated creation time of the entry with the lowest sequence, or
 * {@code null} when the journal is empty
 * @param lastCommitLatency duration of the last transaction (its inserts, deletes and
 * commit)
 * @param averageCommitLatency moving average of the transaction duration (weight 1/16 for
 * the newest)
 * @param lastBatchSize appends and removals of the last transaction
 * @param recovered entries returned by {@link RecoveryJournal#recover()}
 * @param corruptRecords records found by {@code recover()} that did not decode; they were
 * logged and deleted
 * @param tornTailFrames frames at the end of the write-ahead log that were torn or
 * corrupt when the journal opened; SQLite discards them together with the writes in them
 * @param fullRejections appends refused with {@link JournalFullException}
 * @param writeFailures appends that failed with {@link JournalWriteException}
 * @author agent-memory-redis
 */
public record JournalStats(long entries, long bytes, @Nullable Instant oldestEntryCreated, Duration lastCommitLatency,
		Duration averageCommitLatency, int lastBatchSize, long recovered, long corruptRecords, long tornTailFrames,
		long fullRejections, long writeFailures) {

	/**
	 * Age of the oldest entry.
	 * @param now the current time
	 * @return the age, {@link Duration#ZERO} when the journal is empty
	 */
	public Duration oldestEntryAge(Instant now) {
		if (this.oldestEntryCreated == null || now.isBefore(this.oldestEntryCreated)) {
			return Duration.ZERO;
		}
		return Duration.between(this.oldestEntryCreated, now);
	}

}
