package io.github.agentmemory.redis.recovery;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import io.github.agentmemory.redis.recovery.journal.JournalEntry;
import io.github.agentmemory.redis.recovery.journal.JournalStats;
import io.github.agentmemory.redis.recovery.journal.JournalWriteException;
import io.github.agentmemory.redis.recovery.journal.RecoveryJournal;

/**
 * An in-memory {@link RecoveryJournal} for the write path's model tests (pure logic, no
 * store): an append is committed, and its future completed, only when the test answers
 * it, in any order; a read takes its entries when it is made (removals that arrived
 * before it are applied, as the real journal orders them) and is answered when the test
 * says, possibly with a failure or with an entry left out (a record that no longer
 * decodes). Not thread-safe: one test thread drives it.
 */
final class HeldJournal implements RecoveryJournal {

	/** Committed entries by sequence. */
	final TreeMap<Long, JournalEntry> entries = new TreeMap<>();

	private final List<PendingAppend> appends = new ArrayList<>();

	private final List<PendingRead> reads = new ArrayList<>();

	private boolean recovered;

	/** An append waiting for its commit. */
	record PendingAppend(JournalEntry entry, CompletableFuture<Void> future) {

	}

	/** A read waiting for its answer, with what it found when it was made. */
	record PendingRead(List<JournalEntry> found, CompletableFuture<List<JournalEntry>> future) {

	}

	@Override
	public CompletableFuture<Void> append(JournalEntry entry) {
		if (this.entries.containsKey(entry.sequence())) {
			return CompletableFuture.failedFuture(new JournalWriteException("duplicate " + entry.sequence(), null));
		}
		CompletableFuture<Void> future = new CompletableFuture<>();
		this.appends.add(new PendingAppend(entry, future));
		return future;
	}

	@Override
	public void remove(long sequence) {
		this.entries.remove(sequence);
	}

	@Override
	public List<JournalEntry> recover() {
		if (this.recovered) {
			throw new IllegalStateException("recover() was already called");
		}
		this.recovered = true;
		return new ArrayList<>(this.entries.values());
	}

	@Override
	public CompletableFuture<List<JournalEntry>> read(long[] sequences) {
		List<JournalEntry> found = new ArrayList<>();
		for (long sequence : sequences) {
			JournalEntry entry = this.entries.get(sequence);
			if (entry != null) {
				found.add(entry);
			}
		}
		found.sort((a, b) -> Long.compare(a.sequence(), b.sequence()));
		CompletableFuture<List<JournalEntry>> future = new CompletableFuture<>();
		this.reads.add(new PendingRead(found, future));
		return future;
	}

	/** Appends and reads not answered yet. */
	int pending() {
		return this.appends.size() + this.reads.size();
	}

	int pendingAppends() {
		return this.appends.size();
	}

	int pendingReads() {
		return this.reads.size();
	}

	/**
	 * Answer an append: commit it, or fail it.
	 * @param pick which pending append (modulo their number)
	 * @param commit whether it is committed
	 */
	void answerAppend(int pick, boolean commit) {
		if (this.appends.isEmpty()) {
			return;
		}
		PendingAppend append = this.appends.remove(Math.floorMod(pick, this.appends.size()));
		if (commit) {
			this.entries.put(append.entry().sequence(), append.entry());
			append.future().complete(null);
		}
		else {
			append.future().completeExceptionally(new JournalWriteException("disk failed", null));
		}
	}

	/**
	 * Answer a read.
	 * @param pick which pending read (modulo their number)
	 * @param answer how
	 */
	void answerRead(int pick, ReadAnswer answer) {
		if (this.reads.isEmpty()) {
			return;
		}
		PendingRead read = this.reads.remove(Math.floorMod(pick, this.reads.size()));
		switch (answer) {
			case FOUND -> read.future().complete(read.found());
			case FAILED -> read.future().completeExceptionally(new JournalWriteException("read failed", null));
			case FIRST_UNREADABLE -> read.future()
				.complete(read.found().isEmpty() ? read.found() : read.found().subList(1, read.found().size()));
		}
	}

	/** Commit every append and answer every read with what it found, until none is left. */
	void answerAll() {
		while (!this.appends.isEmpty() || !this.reads.isEmpty()) {
			if (!this.appends.isEmpty()) {
				answerAppend(0, true);
			}
			else {
				answerRead(0, ReadAnswer.FOUND);
			}
		}
	}

	@Override
	public JournalStats stats() {
		throw new UnsupportedOperationException();
	}

	@Override
	public void close() {
	}

	/** How a read is answered. */
	enum ReadAnswer {

		/** With what it found. */
		FOUND,

		/** Exceptionally (the store cannot be read). */
		FAILED,

		/** Without the first entry it found (its record no longer decodes). */
		FIRST_UNREADABLE

	}

}
