package io.github.agentmemory.redis.recovery;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

import io.github.agentmemory.redis.command.DropReason;
import io.github.agentmemory.redis.recovery.PendingWrite.State;
import io.github.agentmemory.redis.recovery.journal.JournalCodec;
import io.github.agentmemory.redis.recovery.journal.JournalEntry;
import io.github.agentmemory.redis.recovery.journal.JournalFullException;
import io.github.agentmemory.redis.recovery.journal.RecoveryJournal;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.core.log.LogMessage;
import org.springframework.lang.Nullable;

/**
 * Takes a write into the recovery queue: journals it first when there is a
 * {@link RecoveryJournal} (the write is answered {@code QUEUED} only once the journal
 * committed it, and meanwhile stays its lane's, so nothing overtakes it), then links it
 * into the {@link RecoveryQueue}, answering {@code QUEUED} the first time; a refused write
 * is given up. At startup it takes back what the journal kept from the last run.
 *
 * <p>
 * Called with the write's lane monitor held, except {@link #recover}; the journal's
 * answer comes back on the journal's thread and takes the lane's monitor again.
 *
 * @author agent-memory-redis
 */
final class QueueAdmission {

	private static final Log logger = LogFactory.getLog(QueueAdmission.class);

	private final KeyLanes lanes;

	private final RecoveryQueue queue;

	@Nullable
	private final RecoveryJournal journal;

	private final WriteOutcomes outcomes;

	private final boolean queueEnabled;

	private final boolean parkEncoded;

	private final BooleanSupplier closed;

	/**
	 * @param parkEncoded whether a write that is not journaled is parked encoded when it
	 * can be (not on Redis Cluster, whose per-master replay needs the keys in memory)
	 */
	QueueAdmission(KeyLanes lanes, RecoveryQueue queue, @Nullable RecoveryJournal journal, WriteOutcomes outcomes,
			boolean queueEnabled, boolean parkEncoded, BooleanSupplier closed) {
		this.lanes = lanes;
		this.queue = queue;
		this.journal = journal;
		this.outcomes = outcomes;
		this.queueEnabled = queueEnabled;
		this.parkEncoded = parkEncoded;
		this.closed = closed;
	}

	/**
	 * Put a write the caller owns into the recovery queue (and its lane), answering
	 * {@code QUEUED} the first time; with a journal, an idempotent write is journaled
	 * first and answered once the journal committed it. A refused write is given up.
	 */
	void enqueue(KeyLane lane, PendingWrite write, @Nullable Throwable cause, Effects effects) {
		if (!this.queueEnabled) {
			lane.removeWaiting(write);
			write.claim(State.SENDING, State.DONE);
			this.outcomes.dropped(write, DropReason.QUEUE_DISABLED, cause, effects);
			return;
		}
		lane.removeWaiting(write);
		lane.addWaiting(write);
		write.notBeforeNanos = 0;
		if (!write.queued && this.journal != null && write.toSend.idempotent()) {
			// the write stays its lane's (nothing overtakes it) until the journal answers
			write.journaling = true;
			JournalEntry entry = new JournalEntry(write.sequence, write.queuePriority(), write.toSend,
					System.currentTimeMillis());
			RecoveryJournal journal = this.journal;
			effects.add(() -> journal.append(entry).whenComplete((done, error) -> journaled(lane, write, cause, error)));
			return;
		}
		admit(lane, write, cause, effects);
	}

	private void journaled(KeyLane lane, PendingWrite write, @Nullable Throwable cause, @Nullable Throwable error) {
		Effects effects = new Effects();
		synchronized (lane) {
			write.journaling = false;
			if (error == null) {
				write.journalId = write.sequence;
			}
			if (write.isDone()) {
				// given up meanwhile (shutdown): it was never answered QUEUED
				this.outcomes.forget(write);
			}
			else if (error != null) {
				lane.removeWaiting(write);
				write.claim(State.SENDING, State.DONE);
				this.outcomes.dropped(write, (unwrap(error) instanceof JournalFullException) ? DropReason.JOURNAL_FULL
						: DropReason.JOURNAL_FAILED, unwrap(error), effects);
			}
			else if (this.closed.getAsBoolean()) {
				// shut down meanwhile: the journal has it, so the next start replays it
				lane.removeWaiting(write);
				write.claim(State.SENDING, State.DONE);
				this.outcomes.dropped(write, WriteOutcomes.atShutdown(write), cause, effects);
			}
			else {
				admit(lane, write, cause, effects);
			}
			this.lanes.retireIfIdle(lane);
		}
		effects.run();
	}

	private void admit(KeyLane lane, PendingWrite write, @Nullable Throwable cause, Effects effects) {
		boolean answer = !write.queued;
		if (answer) {
			// the settlement exists before the queue can see (and give up) the write
			write.queued = true;
			write.settlement = new CompletableFuture<>();
		}
		RecoveryQueue.Victims evicted = new RecoveryQueue.Victims();
		// parked only when first queued, and only while it is its key's oldest write and
		// nothing of the key is in flight: a key's parked writes are older than its writes in
		// memory (I2), and a write loaded for replay stays in memory until it ends. Encoded,
		// only while it is whole: the encoding keeps what is left to send, and a trimmed
		// write's outcomes must still name the caller's write (rare: kept in memory)
		boolean journaled = write.journalId >= 0;
		boolean park = answer && (journaled || (this.parkEncoded && write.toSend == write.write))
				&& !lane.hasInFlight() && lane.head() == write;
		boolean admitted = park ? this.queue.park(write, journaled ? null : encoded(write), evicted)
				: this.queue.offer(write, evicted);
		if (!admitted) {
			lane.removeWaiting(write);
			write.claim(State.SENDING, State.DONE);
			if (answer) {
				// never in the queue: the caller's first answer is the drop
				write.queued = false;
				write.settlement = null;
			}
			this.outcomes.dropped(write, this.closed.getAsBoolean() ? WriteOutcomes.atShutdown(write) : DropReason.CAPACITY, cause,
					effects);
		}
		else {
			if (park) {
				// only the journal holds it now; the caller's outcome still names the write
				lane.removeWaiting(write);
				write.claim(State.SENDING, State.DONE);
			}
			if (answer && write.outcome != null) {
				this.outcomes.queued(write, cause, effects);
			}
		}
		givenUp(evicted, DropReason.CAPACITY, effects);
	}

	/**
	 * The write in the journal's binary form, held by the queue instead of its objects: a
	 * third of their heap for a 100-byte value (hand-written because no library encodes the
	 * write records; the journal's codec is reused so there is one format).
	 */
	private static byte[] encoded(PendingWrite write) {
		return JournalCodec.encode(new JournalEntry(write.sequence, write.queuePriority(), write.toSend, 0));
	}

	/** Tell the callers of writes the queue gave up (evicted or expired) and count them. */
	void givenUp(RecoveryQueue.Victims victims, DropReason reason, Effects effects) {
		for (PendingWrite victim : victims.inMemory) {
			this.outcomes.dropped(victim, reason, victim.lastError, effects);
			effects.add(() -> this.lanes.purge(victim.lane));
		}
		if (!victims.parked.isEmpty()) {
			this.outcomes.droppedParked(victims.parked, reason, effects);
		}
	}

	/**
	 * Take back the writes the journal kept from the last run, in their order, as queued
	 * writes (waiting for the recovery processor), ahead of every new write: a new write to
	 * one of their keys waits behind them. To be called once, before the first write.
	 * @return how many writes were taken back
	 */
	int recover(AtomicLong sequence, LongSupplier nanoTime) {
		if (this.journal == null) {
			return 0;
		}
		long now = nanoTime.getAsLong();
		long wallNow = System.currentTimeMillis();
		Effects effects = new Effects();
		int[] count = new int[1];
		// parked at once, in the journal's order: their ids order them before every new write
		// of their keys, and only their ids, priorities, ages and key hashes stay in memory
		this.journal.recover((entry) -> {
			count[0]++;
			sequence.accumulateAndGet(entry.sequence(), Math::max);
			long ageNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(0, wallNow - entry.createdEpochMillis()));
			RecoveryQueue.Victims evicted = new RecoveryQueue.Victims();
			if (!this.queue.parkRecovered(entry.priority(), entry.sequence(), now - ageNanos, entry.write().key(),
					evicted)) {
				this.outcomes.droppedParked(
						List.of(new ParkedWrite(entry.sequence(), entry.priority(), now - ageNanos, 0, null, null)),
						DropReason.CAPACITY, effects);
			}
			givenUp(evicted, DropReason.CAPACITY, effects);
		});
		effects.run();
		if (count[0] > 0) {
			logger.info(LogMessage.format("Took back %d queued writes that the recovery journal kept from the last run; "
					+ "they are replayed before newer writes to their keys", count[0]));
		}
		return count[0];
	}

	private static Throwable unwrap(Throwable error) {
		Throwable current = error;
		while (current instanceof CompletionException && current.getCause() != null) {
			current = current.getCause();
		}
		return current;
	}

}
