package io.github.agentmemory.redis.recovery.journal;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A durable store of queued writes, so that a write the caller was told is queued
 * survives a crash of the application and is replayed when it starts again.
 *
 * <p>
 * <b>Durability.</b> The future of {@link #append} completes normally only after the
 * entry is committed as {@link JournalSettings#getSync()} promises; then, and only then,
 * may the write be reported as queued. It completes exceptionally, and the entry is not
 * journaled, with {@link JournalFullException} at capacity and
 * {@link JournalWriteException} when the store cannot write (a full disk, an I/O error, a
 * closed journal). No append is lost silently.
 *
 * <p>
 * <b>Delivery.</b> An entry stays until {@link #remove} is committed. A crash between a
 * write's application to Redis and its removal replays it after the restart: delivery is
 * at least once.
 *
 * <p>
 * <b>Thread safety.</b> All methods may be called from any thread. Appends and removals
 * are queued and committed in order of arrival by one writer thread, many in one
 * transaction (group commit); no caller blocks for a commit. A removal that arrives after
 * the append of the same sequence is applied after it. Futures are completed on a thread
 * of the journal, never on the writer: dependent stages should still be short.
 *
 * @author agent-memory-redis
 */
public interface RecoveryJournal extends AutoCloseable {

	/**
	 * Journal an entry. The entry's sequence must not be in the journal already.
	 * @param entry the entry
	 * @return a future that completes when the entry is committed, or exceptionally with
	 * a {@link JournalException} when it was not journaled
	 */
	CompletableFuture<Void> append(JournalEntry entry);

	/**
	 * Remove an entry, once its write reached a final outcome (applied or given up).
	 * Removals are committed in batches together with appends; removing a sequence that
	 * is not in the journal does nothing.
	 * @param sequence the entry's sequence
	 */
	void remove(long sequence);

	/**
	 * Read the entries that survived the last run, in {@link JournalEntry#sequence()}
	 * order. To be called once, when the journal was opened and before the first append.
	 * A record that does not decode is skipped, logged and counted in
	 * {@link JournalStats#corruptRecords()}, and deleted; a torn tail of the write-ahead
	 * log found when the journal opened is logged and counted in
	 * {@link JournalStats#tornTailFrames()}.
	 * @return the surviving entries
	 * @throws IllegalStateException if called twice or after an append
	 * @throws JournalWriteException if the store cannot be read
	 */
	List<JournalEntry> recover();

	/**
	 * Read the entries that survived the last run, as {@link #recover()} does, handing
	 * each to a consumer in {@link JournalEntry#sequence()} order instead of returning them
	 * all at once. The consumer runs on a thread of the journal, before this method
	 * returns.
	 * @param entries receives each surviving entry
	 * @throws IllegalStateException if called twice or after an append
	 * @throws JournalWriteException if the store cannot be read
	 */
	default void recover(Consumer<JournalEntry> entries) {
		recover().forEach(entries);
	}

	/**
	 * Read committed entries back, for example to replay writes whose payloads are kept
	 * in the journal only. Reads are queued with the appends and removals and see them in
	 * order of arrival: a read that arrives before the removal of an entry finds it.
	 * @param sequences the sequences to read, in any order
	 * @return a future of the entries found, in sequence order (a sequence not in the
	 * journal is left out, a record that does not decode is left out and logged); it
	 * completes exceptionally with a {@link JournalException} if the store cannot be read
	 * or the journal is closed
	 */
	CompletableFuture<List<JournalEntry>> read(long[] sequences);

	/**
	 * A snapshot of the journal's state and counters; cheap, reads memory only.
	 * @return the statistics
	 */
	JournalStats stats();

	/**
	 * Commit the appends and removals made before this call, then release the store and
	 * the directory lock. Later appends fail with {@link JournalWriteException}; later
	 * removals are ignored. Calling it again does nothing.
	 */
	@Override
	void close();

}
