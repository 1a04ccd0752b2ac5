package io.github.agentmemory.redis.recovery;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.github.agentmemory.redis.command.DropReason;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.recovery.journal.JournalEntry;
import io.github.agentmemory.redis.recovery.journal.RecoveryJournal;
import io.github.agentmemory.redis.resilience.AmbiguousWriteException;

import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.lang.Nullable;
import org.springframework.util.Assert;

/**
 * Tells callers what became of their writes and counts it: each terminal method is
 * called once per write, by whoever moved it to {@link PendingWrite.State#DONE}, and
 * completes its futures through {@link Effects}, outside the locks (<b>I1</b>).
 *
 * @author agent-memory-redis
 */
final class WriteOutcomes {

	/** Most parked writes read back from the journal at once to complete their settlements. */
	private static final int READ_CHUNK = 4096;

	private final RecoveryCounters counters;

	private final DropLog dropLog;

	@Nullable
	private final RecoveryJournal journal;

	WriteOutcomes(RecoveryCounters counters, DropLog dropLog, @Nullable RecoveryJournal journal) {
		this.counters = counters;
		this.dropLog = dropLog;
		this.journal = journal;
	}

	void applied(PendingWrite write, @Nullable Object value, Effects effects) {
		unjournal(write);
		if (write.queued) {
			this.counters.replayed(write.queuePriority());
			CompletableFuture<WriteOutcome> settlement = write.settlement;
			if (settlement != null) {
				// null: a write taken back from the journal, never answered QUEUED in this run
				effects.add(() -> settlement.complete(WriteOutcome.applied(write.write)));
			}
		}
		else if (write.reply != null) {
			effects.add(() -> write.reply.answer(value));
		}
		else {
			effects.add(() -> write.outcome.complete(WriteOutcome.applied(write.write)));
		}
	}

	/**
	 * Answer {@code QUEUED}, once; the settlement must be set before the queue could see
	 * the write.
	 */
	void queued(PendingWrite write, @Nullable Throwable cause, Effects effects) {
		CompletableFuture<WriteOutcome> settlement = write.settlement;
		effects.add(() -> write.outcome.complete(WriteOutcome.queued(write.write, cause, settlement)));
	}

	void dropped(PendingWrite write, DropReason reason, @Nullable Throwable cause, Effects effects) {
		if (reason != DropReason.HANDED_OVER) {
			unjournal(write);
		}
		if (write.reply != null) {
			// a call without a priority: the caller hears of it as an error
			String message = write.write.command() + " was not applied: " + reason
					+ ((cause != null) ? " (" + cause.getMessage() + ")" : "");
			effects.add(() -> write.reply.completeExceptionally(new TransientDataAccessResourceException(message, cause)));
			return;
		}
		this.counters.dropped(write.queuePriority(), reason);
		if (reason != DropReason.SHUTDOWN && reason != DropReason.HANDED_OVER) {
			this.dropLog.dropped(write, reason, cause);
		}
		WriteOutcome dropped = WriteOutcome.dropped(write.write, reason, cause);
		CompletableFuture<WriteOutcome> future = write.queued ? write.settlement : write.outcome;
		if (future != null) {
			// null: a write taken back from the journal that was never answered QUEUED
			effects.add(() -> future.complete(dropped));
		}
	}

	/**
	 * Give up parked writes: counted and logged now. The settlement of an encoded one
	 * completes with its decoded write; those of journaled ones (their payloads are in the
	 * journal only) once the journal has read their writes back (in one read, queued
	 * before their removal), since a final outcome names its write. Should the read fail,
	 * a settlement still completes, with the drop and the read's error as cause but
	 * without the write ({@link WriteOutcome#write()} is {@code null} then).
	 * @param writes the parked writes given up, taken out of the queue
	 * @param reason why
	 * @param effects where the journal calls go, to run outside the locks
	 */
	void droppedParked(List<ParkedWrite> writes, DropReason reason, Effects effects) {
		List<ParkedWrite> settled = new ArrayList<>();
		List<ParkedWrite> journaled = new ArrayList<>();
		for (ParkedWrite write : writes) {
			this.counters.dropped(write.priority(), reason);
			if (reason != DropReason.SHUTDOWN && reason != DropReason.HANDED_OVER) {
				this.dropLog.dropped(write.priority(), write, reason, null);
			}
			if (write.journaled()) {
				journaled.add(write);
				if (write.settlement() != null) {
					settled.add(write);
				}
			}
			else if (write.settlement() != null) {
				effects.add(() -> write.settlement().complete(WriteOutcome.dropped(decodedWrite(write), reason, null)));
			}
		}
		if (journaled.isEmpty()) {
			return;
		}
		RecoveryJournal journal = this.journal;
		Assert.state(journal != null, "A journaled write has a journal");
		effects.add(() -> {
			if (!settled.isEmpty()) {
				settleFromJournal(journal, settled, reason);
			}
			if (reason != DropReason.HANDED_OVER) {
				for (ParkedWrite write : journaled) {
					journal.remove(write.id());
				}
			}
		});
	}

	/** The write an encoded parked write holds; {@code null} (dropped all the same) if it does not decode. */
	@Nullable
	private static RedisWrite decodedWrite(ParkedWrite write) {
		JournalEntry entry = write.decoded();
		return (entry != null) ? entry.write() : null;
	}

	private static void settleFromJournal(RecoveryJournal journal, List<ParkedWrite> writes, DropReason reason) {
		for (int from = 0; from < writes.size(); from += READ_CHUNK) {
			List<ParkedWrite> chunk = writes.subList(from, Math.min(writes.size(), from + READ_CHUNK));
			long[] ids = new long[chunk.size()];
			for (int i = 0; i < ids.length; i++) {
				ids[i] = chunk.get(i).id();
			}
			journal.read(ids).whenComplete((entries, error) -> {
				Map<Long, RedisWrite> byId = new HashMap<>();
				if (entries != null) {
					for (JournalEntry entry : entries) {
						byId.put(entry.sequence(), entry.write());
					}
				}
				for (ParkedWrite write : chunk) {
					RedisWrite redisWrite = byId.get(write.id());
					Throwable cause = (redisWrite != null) ? null
							: (error != null) ? error : new IllegalStateException("The recovery journal no longer holds "
									+ write + ", given up as " + reason);
					write.settlement().complete(WriteOutcome.dropped(redisWrite, reason, cause));
				}
			});
		}
	}

	void retried(PendingWrite write) {
		this.counters.retried(write.priority);
	}

	/** The reason a write given up at shutdown is given up for: a journaled one is kept. */
	static DropReason atShutdown(PendingWrite write) {
		return (write.journalId >= 0) ? DropReason.HANDED_OVER : DropReason.SHUTDOWN;
	}

	/** A write given up before it was answered {@code QUEUED} leaves the journal too. */
	void forget(PendingWrite write) {
		unjournal(write);
	}

	/** A write that reached its outcome leaves the journal (removals are batched). */
	private void unjournal(PendingWrite write) {
		if (write.journalId >= 0 && this.journal != null) {
			this.journal.remove(write.journalId);
			write.journalId = -1;
		}
	}

	void failed(PendingWrite write, Throwable error, boolean ambiguous, Effects effects) {
		unjournal(write);
		Throwable reported = ambiguous ? new AmbiguousWriteException(write.write.command(), error) : error;
		if (write.reply != null) {
			effects.add(() -> write.reply.completeExceptionally(reported));
		}
		else if (write.queued && write.settlement != null) {
			effects.add(() -> write.settlement.complete(WriteOutcome.failed(write.write, reported)));
		}
		else if (write.outcome != null) {
			effects.add(() -> write.outcome.complete(WriteOutcome.failed(write.write, reported)));
		}
	}

}
