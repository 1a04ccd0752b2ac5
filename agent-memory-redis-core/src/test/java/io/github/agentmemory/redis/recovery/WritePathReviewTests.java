package io.github.agentmemory.redis.recovery;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.github.agentmemory.redis.command.DropReason;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.command.WriteOutcome.Status;
import io.github.agentmemory.redis.recovery.journal.JournalEntry;
import io.github.agentmemory.redis.recovery.journal.JournalSettings;
import io.github.agentmemory.redis.recovery.journal.JournalStats;
import io.github.agentmemory.redis.recovery.journal.RecoveryJournal;
import io.github.agentmemory.redis.recovery.journal.SqliteRecoveryJournal;
import io.github.agentmemory.redis.resilience.RedisFaultClassifier;
import io.github.agentmemory.redis.resilience.RetryPolicy;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * Review of the rebuilt write path (issue 10): each test pins one defect found by reading
 * the code, with a fake {@link WriteSender} whose replies the test completes by hand and a
 * scheduler whose tasks the test runs by hand, so that every interleaving is deterministic.
 */
class WritePathReviewTests {

	@TempDir
	Path directory;

	private final ManualScheduler scheduler = new ManualScheduler();

	private final RecoveryCounters counters = new RecoveryCounters();

	@AfterEach
	void stopScheduler() {
		this.scheduler.shutdownNow();
	}

	/**
	 * Two plain writes to one key are pipelined and both fail transiently: both wait for
	 * a retry. The first timer resends the first write; the second finds the key busy and
	 * does nothing. The first write then fails for good: the second, whose timer already
	 * fired, is the lane's head, nothing is in flight and no timer is armed, so nothing
	 * ever sends it (only a new write to the key or shutdown would). Its caller waits for
	 * ever (I1), with Redis answering other keys and the circuit closed.
	 */
	@Test
	void writeWhoseRetryTimerFiredWhileItsKeyWasBusyIsStillSent() {
		FakeSender sender = new FakeSender();
		RetryPolicy policy = RetryPolicy.builder().maxAttempts(2).initialInterval(Duration.ofMillis(10)).build();
		WriteSequencer sequencer = sequencer(sender, policy, new RecoveryQueue(100, this.counters), null,
				System::nanoTime);
		CompletableFuture<Object> first = sequencer.write(RedisWrite.set("k", "a"));
		CompletableFuture<Object> second = sequencer.write(RedisWrite.set("k", "b"));
		assertThat(sender.sent()).as("pipelined").hasSize(2);
		sender.fail(0, timeout());
		sender.fail(1, timeout());
		// both wait for their retry: one timer resends the first, the other finds the key busy
		this.scheduler.runAll();
		assertThat(sender.sent()).hasSize(3);
		sender.fail(2, timeout());
		assertThat(first).as("first write, out of attempts").isCompletedExceptionally();
		this.scheduler.runAll();
		assertThat(second.isDone() || sender.sent().size() == 4)
			.as("the second write is sent again or ends (sends: %s)", sender.sent())
			.isTrue();
	}

	/**
	 * At startup the journal holds more writes than the queue admits (a smaller capacity
	 * than in the last run, or a journal larger than the queue): a recovered NORMAL write is
	 * refused by a queue full of HIGH ones. {@code QueueAdmission.admit} then resets
	 * {@code queued} and {@code settlement}, and {@code WriteOutcomes.dropped} completes
	 * {@code write.outcome}, which a recovered write does not have: a
	 * NullPointerException out of {@code recover()}, so the sequencer bean, and the
	 * application, fail to start.
	 */
	@Test
	void recoveringMoreWritesThanTheQueueAdmitsDoesNotFailStartup() {
		long now = System.currentTimeMillis();
		ListJournal journal = new ListJournal(List.of(new JournalEntry(1, Priority.HIGH, RedisWrite.set("k1", "a"), now),
				new JournalEntry(2, Priority.NORMAL, RedisWrite.set("k2", "b"), now)));
		RecoveryQueue queue = new RecoveryQueue(1, this.counters);
		WriteSequencer sequencer = sequencer(new FakeSender(), RetryPolicy.create(), queue, journal, System::nanoTime);
		assertThatNoException().isThrownBy(sequencer::recover);
		assertThat(queue.size()).isEqualTo(1);
		assertThat(queue.stats().dropped().get(DropReason.CAPACITY)).isEqualTo(1);
	}

	/**
	 * A NORMAL write refused by Redis is being journaled when the write path shuts down.
	 * {@code WriteSequencer.close()} claims it (it waits in its lane, state SENDING) and
	 * drops it as SHUTDOWN; the journal then commits the append on its own close, and the
	 * removal that follows the append's answer is ignored by the closed journal. The write
	 * is in the journal, so the next start replays it, although its caller was told
	 * DROPPED(SHUTDOWN) and it was counted as lost: two outcomes for one write (I1), a
	 * wrong count (I5), and a write the caller believes lost applied later. Commit 759759d
	 * meant such a write to be HANDED_OVER, but that branch of
	 * {@code QueueAdmission.journaled} cannot be reached.
	 */
	@Test
	void writeBeingJournaledAtShutdownIsHandedOverWhenTheJournalKeepsIt() {
		GatedJournal journal = new GatedJournal(new SqliteRecoveryJournal(JournalSettings.create(this.directory)));
		journal.recover();
		WriteSender sender = (write) -> CompletableFuture.failedFuture(oom());
		WriteSequencer sequencer = sequencer(sender, RetryPolicy.create(), new RecoveryQueue(100, this.counters),
				journal, System::nanoTime);
		CompletableFuture<WriteOutcome> outcome = sequencer.write(RedisWrite.set("k", "v"), Priority.NORMAL, null);
		assertThat(outcome).as("answered once the journal committed").isNotDone();
		sequencer.close();
		journal.close();
		journal.open();
		assertThat(outcome).isDone();
		List<JournalEntry> kept;
		try (SqliteRecoveryJournal reopened = new SqliteRecoveryJournal(JournalSettings.create(this.directory))) {
			kept = reopened.recover();
		}
		assertThat(kept).as("kept for the next start").hasSize(1);
		assertThat(outcome.join().dropReason()).as("outcome of a write the next start replays")
			.isEqualTo(DropReason.HANDED_OVER);
	}

	/**
	 * 20,000 queued writes to one key are replayed against a sender that answers at once
	 * (a fake, or any sender whose future is already complete): each reply's handler sends
	 * the key's next write from inside the previous one, so the stack grows by one frame
	 * group per write until it overflows, in the middle of {@code completed()} or
	 * {@code send()}: the write then in hand is neither sent nor ended and its key's lane
	 * stays blocked (I1).
	 */
	@Test
	void replayingALongLaneWithRepliesThatCompleteAtOnceEndsEveryWrite() {
		AtomicBoolean up = new AtomicBoolean();
		WriteSender sender = (write) -> up.get() ? CompletableFuture.completedFuture("OK")
				: CompletableFuture.failedFuture(oom());
		RecoveryQueue queue = new RecoveryQueue(50_000, this.counters);
		WriteSequencer sequencer = sequencer(sender, RetryPolicy.create(), queue, null, System::nanoTime);
		List<CompletableFuture<WriteOutcome>> outcomes = new ArrayList<>();
		for (int i = 0; i < 20_000; i++) {
			outcomes.add(sequencer.write(RedisWrite.set("hot", "v" + i), Priority.NORMAL, null));
		}
		assertThat(outcomes).allSatisfy((outcome) -> assertThat(outcome.join().status()).isEqualTo(Status.QUEUED));
		up.set(true);
		// as a round does: the parked writes are loaded back first, the whole lane at once
		sequencer.loadParked(20_000).join();
		sequencer.replay("hot", true);
		long notApplied = outcomes.stream()
			.map((outcome) -> outcome.join().settlement())
			.filter((settled) -> !settled.isDone() || !settled.join().isApplied())
			.count();
		assertThat(notApplied).as("writes not applied (queue size %d)", queue.size()).isZero();
	}

	/**
	 * A queued write whose replay fails is linked again at the tail of its priority's
	 * list, behind younger writes, while expiry and eviction only look at the head: the
	 * oldest write outlives the maximum age (and a younger one is evicted before it).
	 */
	@Test
	void requeuedWriteStillExpiresOnceOlderThanTheMaximumAge() {
		AtomicLong clock = new AtomicLong(1_000);
		WriteSender sender = (write) -> CompletableFuture.failedFuture(oom());
		WriteSequencer sequencer = sequencer(sender, RetryPolicy.create(), new RecoveryQueue(100, this.counters), null,
				clock::get);
		CompletableFuture<WriteOutcome> old = sequencer.write(RedisWrite.set("a", "1"), Priority.NORMAL, null);
		clock.addAndGet(10);
		sequencer.write(RedisWrite.set("b", "2"), Priority.NORMAL, null);
		// the round's probe: the oldest write, loaded back and refused again
		sequencer.loadParked(100).join();
		sequencer.replay("a", true);
		clock.addAndGet(90);
		sequencer.expire(95);
		CompletableFuture<WriteOutcome> settlement = old.join().settlement();
		assertThat(settlement).as("write 100 old, max age 95").isDone();
		assertThat(settlement.join().dropReason()).isEqualTo(DropReason.EXPIRED);
	}

	// ---- fixtures ------------------------------------------------------------------------

	private WriteSequencer sequencer(WriteSender sender, RetryPolicy policy, RecoveryQueue queue,
			RecoveryJournal journal, java.util.function.LongSupplier clock) {
		return new WriteSequencer(sender, CircuitBreaker.ofDefaults("review"), this.scheduler,
				new RedisFaultClassifier(), policy, queue, this.counters, true, 10, clock, journal);
	}

	private static RedisCommandTimeoutException timeout() {
		return new RedisCommandTimeoutException("Command timed out after 500 millisecond(s)");
	}

	private static RedisCommandExecutionException oom() {
		return new RedisCommandExecutionException("OOM command not allowed when used memory > 'maxmemory'.");
	}

	/** Records each send; the test completes the replies. */
	static final class FakeSender implements WriteSender {

		private final List<RedisWrite> writes = new ArrayList<>();

		private final List<CompletableFuture<Object>> replies = new ArrayList<>();

		@Override
		public synchronized CompletableFuture<Object> send(RedisWrite write) {
			CompletableFuture<Object> reply = new CompletableFuture<>();
			this.writes.add(write);
			this.replies.add(reply);
			return reply;
		}

		synchronized List<RedisWrite> sent() {
			return new ArrayList<>(this.writes);
		}

		void fail(int index, Throwable error) {
			CompletableFuture<Object> reply;
			synchronized (this) {
				reply = this.replies.get(index);
			}
			reply.completeExceptionally(error);
		}

	}

	/** Runs nothing by itself: the test runs the scheduled tasks, in order. */
	static final class ManualScheduler extends ScheduledThreadPoolExecutor {

		private final List<Runnable> tasks = new ArrayList<>();

		ManualScheduler() {
			super(1);
		}

		@Override
		public synchronized ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
			this.tasks.add(command);
			return super.schedule(() -> {
			}, 1, TimeUnit.DAYS);
		}

		void runAll() {
			List<Runnable> due;
			synchronized (this) {
				due = new ArrayList<>(this.tasks);
				this.tasks.clear();
			}
			due.forEach(Runnable::run);
		}

	}

	/** A journal that holds the entries given, as the last run left them. */
	static final class ListJournal implements RecoveryJournal {

		private final List<JournalEntry> entries;

		ListJournal(List<JournalEntry> entries) {
			this.entries = entries;
		}

		@Override
		public CompletableFuture<Void> append(JournalEntry entry) {
			return CompletableFuture.completedFuture(null);
		}

		@Override
		public void remove(long sequence) {
		}

		@Override
		public List<JournalEntry> recover() {
			return this.entries;
		}

		@Override
		public CompletableFuture<List<JournalEntry>> read(long[] sequences) {
			List<JournalEntry> found = new ArrayList<>();
			for (JournalEntry entry : this.entries) {
				for (long sequence : sequences) {
					if (entry.sequence() == sequence) {
						found.add(entry);
					}
				}
			}
			return CompletableFuture.completedFuture(found);
		}

		@Override
		public JournalStats stats() {
			throw new UnsupportedOperationException();
		}

		@Override
		public void close() {
		}

	}

	/**
	 * The real journal, whose appends' answers reach the write path only once the test
	 * opens the gate: the answer of a commit comes on the journal's completer thread, at
	 * any time after the append, also after the journal was closed.
	 */
	static final class GatedJournal implements RecoveryJournal {

		private final RecoveryJournal journal;

		private final CompletableFuture<Void> gate = new CompletableFuture<>();

		GatedJournal(RecoveryJournal journal) {
			this.journal = journal;
		}

		void open() {
			this.gate.complete(null);
		}

		@Override
		public CompletableFuture<Void> append(JournalEntry entry) {
			CompletableFuture<Void> answer = new CompletableFuture<>();
			this.journal.append(entry).whenComplete((done, error) -> this.gate.thenRun(() -> {
				if (error != null) {
					answer.completeExceptionally(error);
				}
				else {
					answer.complete(null);
				}
			}));
			return answer;
		}

		@Override
		public void remove(long sequence) {
			this.journal.remove(sequence);
		}

		@Override
		public List<JournalEntry> recover() {
			return this.journal.recover();
		}

		@Override
		public CompletableFuture<List<JournalEntry>> read(long[] sequences) {
			return this.journal.read(sequences);
		}

		@Override
		public JournalStats stats() {
			return this.journal.stats();
		}

		@Override
		public void close() {
			this.journal.close();
		}

	}

}
