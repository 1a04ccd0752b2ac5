package io.github.agentmemory.redis.recovery;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.github.agentmemory.redis.command.DropReason;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.command.WriteOutcome.Status;
import io.github.agentmemory.redis.recovery.WritePathFixture.Send;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.LoggerFactory;

/**
 * The write path under concurrency, with Lincheck: concurrent submits, replies (applied
 * or failed), replays, eviction (a queue of two), expiry and shutdown on one
 * {@link WriteSequencer}, in model checking and stress modes, against its own sequential
 * executions; after each run the write path is shut down, every send answered, and I1
 * (every future completed) and I5 (counts match what callers were told, the queue ends
 * empty) are validated. Issue 10's defects 1 and 2 are raced directly, 100,000 times
 * each; they run first, before Lincheck's instrumentation slows every class it touched.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WriteSequencerLincheckTests {

	private static final Log logger = LogFactory.getLog(WriteSequencerLincheckTests.class);

	private static final Logger dropLog = (Logger) LoggerFactory.getLogger(DropLog.class);

	private static Level dropLogLevel;

	@BeforeAll
	static void quietDropLog() {
		// every run drops writes; the log would cost more than the run
		dropLogLevel = dropLog.getLevel();
		dropLog.setLevel(Level.OFF);
	}

	@AfterAll
	static void restoreDropLog() {
		dropLog.setLevel(dropLogLevel);
	}

	@Test
	@Order(4)
	void concurrentSubmitsRepliesEvictionExpiryAndShutdownAreLinearizableInModelChecking() {
		new ModelCheckingOptions().iterations(4)
			.invocationsPerIteration(150)
			.threads(2)
			.actorsPerThread(3)
			.actorsBefore(2)
			.actorsAfter(1)
			.check(WritePath.class);
	}

	@Test
	@Order(3)
	void concurrentSubmitsRepliesEvictionExpiryAndShutdownAreLinearizableUnderStress() {
		new StressOptions().iterations(10)
			.invocationsPerIteration(500)
			.threads(3)
			.actorsPerThread(3)
			.actorsBefore(2)
			.actorsAfter(1)
			.check(WritePath.class);
	}

	/**
	 * Issue 10, defect 1: a failing reply races {@code close()}. The failed write must not
	 * enter the queue after the final sweep: every settlement completes and the SHUTDOWN
	 * count matches.
	 */
	@Test
	@Order(1)
	void failingReplyRacingCloseLeavesNoSettlementOpen() throws Exception {
		try (Race race = new Race()) {
			int iterations = race.repeat(() -> {
				WritePathFixture fixture = new WritePathFixture(10);
				CompletableFuture<WriteOutcome> waiting = queued(fixture, "q", Priority.NORMAL);
				CompletableFuture<WriteOutcome> failing = fixture.sequencer.write(RedisWrite.set("k", "v"),
						Priority.HIGH, null);
				Send send = fixture.sender.next();
				race.run(() -> send.fail(WritePathFixture.notConnected()), fixture.sequencer::close);
				check(fixture, List.of(waiting, failing));
				for (CompletableFuture<WriteOutcome> outcome : List.of(waiting, failing)) {
					WriteOutcome end = outcome.join().settlement().join();
					if (end.dropReason() != DropReason.SHUTDOWN) {
						throw new AssertionError("Expected DROPPED SHUTDOWN, was " + end);
					}
				}
			});
			logger.info("failing reply racing close: " + iterations + " races");
		}
	}

	/**
	 * Issue 10, defect 2: eviction and expiry race a failure that queues a write. The
	 * write given up is the NORMAL one that waited (evicted or expired, once), the HIGH one
	 * is never refused or evicted for capacity, and the queue's size is what still waits.
	 */
	@Test
	@Order(2)
	void evictionAndExpiryRacingAFailureGiveUpOnlyTheWaitingWriteAndKeepTheSizeRight() throws Exception {
		try (Race race = new Race()) {
			int iterations = race.repeat(() -> {
				WritePathFixture fixture = new WritePathFixture(1);
				CompletableFuture<WriteOutcome> waiting = queued(fixture, "a", Priority.NORMAL);
				CompletableFuture<WriteOutcome> failing = fixture.sequencer.write(RedisWrite.set("b", "v"),
						Priority.HIGH, null);
				Send send = fixture.sender.next();
				race.run(() -> send.fail(WritePathFixture.notConnected()), () -> fixture.sequencer.expire(-1));
				WriteOutcome given = waiting.join().settlement().getNow(null);
				if (given == null || (given.dropReason() != DropReason.CAPACITY
						&& given.dropReason() != DropReason.EXPIRED)) {
					throw new AssertionError("The waiting NORMAL write was not given up once: " + given);
				}
				WriteOutcome first = failing.getNow(null);
				if (first == null || first.status() != Status.QUEUED) {
					throw new AssertionError("The HIGH write was not queued: " + first);
				}
				WriteOutcome settled = first.settlement().getNow(null);
				if (settled != null && settled.dropReason() != DropReason.EXPIRED) {
					throw new AssertionError("The HIGH write was given up for the wrong reason: " + settled);
				}
				int waitingNow = (settled != null) ? 0 : 1;
				if (fixture.queue.size() != waitingNow) {
					throw new AssertionError("The queue counts " + fixture.queue.size() + " writes, " + waitingNow
							+ " wait");
				}
				fixture.sequencer.close();
				check(fixture, List.of(waiting, failing));
			});
			logger.info("eviction and expiry racing a failure: " + iterations + " races");
		}
	}

	/** A write of the given priority to its own key, sent, failed and answered QUEUED. */
	private static CompletableFuture<WriteOutcome> queued(WritePathFixture fixture, String key, Priority priority) {
		CompletableFuture<WriteOutcome> outcome = fixture.sequencer.write(RedisWrite.set(key, "v"), priority, null);
		fixture.sender.next().fail(WritePathFixture.notConnected());
		if (outcome.getNow(null) == null || outcome.join().status() != Status.QUEUED) {
			throw new AssertionError("Not queued: " + outcome);
		}
		return outcome;
	}

	/**
	 * The structure under test: a write path with a recovery queue of two, keys {@code a}
	 * and {@code b}, writes HIGH, NORMAL and LOW; replies are a success or "not connected"
	 * (never sent, so HIGH and NORMAL are queued). The clock never moves, so nothing is
	 * retried by time; {@link #expireAll()} gives up everything queued.
	 */
	public static class WritePath {

		private static final Priority[] PRIORITIES = { Priority.HIGH, Priority.NORMAL, Priority.LOW };

		private final WritePathFixture fixture = new WritePathFixture(2);

		private final List<CompletableFuture<WriteOutcome>> outcomes = new ArrayList<>();

		/** Replies come one at a time, as from one connection's event loop. */
		private final Object connection = new Object();

		/**
		 * Issue a write.
		 * @param key 0 for {@code a}, 1 for {@code b}
		 * @param priority 0 HIGH, 1 NORMAL, 2 LOW
		 * @return the answer given on arrival ({@code QUEUED}, {@code DROPPED reason}), or
		 * {@code SENT} if the write was sent
		 */
		@Operation
		public String submit(@Param(gen = IntGen.class, conf = "0:1") int key,
				@Param(gen = IntGen.class, conf = "0:2") int priority) {
			CompletableFuture<WriteOutcome> outcome = this.fixture.sequencer
				.write(RedisWrite.set((key == 0) ? "a" : "b", "v"), PRIORITIES[priority], null);
			synchronized (this.outcomes) {
				this.outcomes.add(outcome);
			}
			WriteOutcome now = outcome.getNow(null);
			if (now == null || now.cause() != null || now.status() == Status.APPLIED) {
				// sent: whatever happened since came from a reply
				return "SENT";
			}
			return now.status() + ((now.dropReason() != null) ? " " + now.dropReason() : "");
		}

		/** Redis applies the oldest write sent. */
		@Operation
		public void applyOldest() {
			synchronized (this.connection) {
				Send send = oldestSent();
				if (send != null) {
					send.succeed();
				}
			}
		}

		/** The oldest write sent is refused: "not connected". */
		@Operation
		public void failOldest() {
			synchronized (this.connection) {
				Send send = oldestSent();
				if (send != null) {
					send.fail(WritePathFixture.notConnected());
				}
			}
		}

		/**
		 * The oldest send whose reply the write path listens to (before that, the send is
		 * still on its way: a reply cannot overtake it).
		 */
		private Send oldestSent() {
			for (Send send : this.fixture.sender.inFlight()) {
				if (send.reply().getNumberOfDependents() > 0) {
					return this.fixture.sender.take((candidate) -> candidate == send);
				}
			}
			return null;
		}

		/**
		 * Replay a key's oldest queued write.
		 * @param key 0 for {@code a}, 1 for {@code b}
		 */
		@Operation
		public void replay(@Param(gen = IntGen.class, conf = "0:1") int key) {
			this.fixture.sequencer.replay((key == 0) ? "a" : "b", false);
		}

		/**
		 * Load parked writes back as a replay round does (the queued writes are parked
		 * encoded: there is no journal), most important first with the older writes of their
		 * keys, racing a key's own load ({@link #replay}), eviction, expiry and shutdown.
		 */
		@Operation
		public void loadParked() {
			this.fixture.sequencer.loadParked(1);
		}

		/**
		 * Give up every queued write as expired.
		 * @return how many
		 */
		@Operation
		public int expireAll() {
			return this.fixture.sequencer.expire(-1);
		}

		/**
		 * Shut down.
		 * @return how many queued writes were given up
		 */
		@Operation(runOnce = true)
		public int close() {
			return this.fixture.sequencer.close().size();
		}

		/**
		 * I1 and I5 once everything is over: shut down, answer every send (the last ones
		 * fail), then every future completed and the counts match the answers.
		 */
		@Validate
		public void everyWriteEndedAndWasCountedOnce() {
			this.fixture.sequencer.close();
			for (Send send = this.fixture.sender.poll(); send != null; send = this.fixture.sender.poll()) {
				send.fail(WritePathFixture.notConnected());
			}
			check(this.fixture, this.outcomes);
		}

	}

	/**
	 * I1 and I5 for a write path that is shut down with nothing in flight.
	 * @param fixture the write path
	 * @param outcomes every outcome handed out
	 */
	static void check(WritePathFixture fixture, List<CompletableFuture<WriteOutcome>> outcomes) {
		long queued = 0;
		long replayed = 0;
		long[] dropped = new long[DropReason.values().length];
		for (CompletableFuture<WriteOutcome> outcome : outcomes) {
			if (!outcome.isDone()) {
				throw new AssertionError("I1: an outcome never completed");
			}
			WriteOutcome end = outcome.join();
			if (end.status() == Status.QUEUED) {
				queued++;
				if (!end.settlement().isDone()) {
					throw new AssertionError("I1: the settlement of a queued write never completed: " + end);
				}
				end = end.settlement().join();
				if (end.status() == Status.APPLIED) {
					replayed++;
				}
			}
			if (end.status() == Status.DROPPED) {
				dropped[end.dropReason().ordinal()]++;
			}
		}
		RecoveryStats stats = fixture.queue.stats();
		long enqueued = stats.enqueued().values().stream().mapToLong(Long::longValue).sum();
		long replays = stats.replayed().values().stream().mapToLong(Long::longValue).sum();
		if (enqueued != queued || replays != replayed) {
			throw new AssertionError("I5: " + queued + " answered QUEUED, " + replayed + " of them applied, but "
					+ stats.enqueued() + " enqueued, " + stats.replayed() + " replayed");
		}
		for (DropReason reason : DropReason.values()) {
			if (stats.dropped().get(reason) != dropped[reason.ordinal()]) {
				throw new AssertionError("I5: " + dropped[reason.ordinal()] + " callers told DROPPED " + reason
						+ ", counted " + stats.dropped().get(reason));
			}
		}
		if (fixture.queue.size() != 0 || stats.totalSize() != 0) {
			throw new AssertionError("I5: the queue holds " + fixture.queue.size() + " writes after shutdown");
		}
	}

	/**
	 * Runs two actions at the same time, again and again: one on the caller's thread, one
	 * on a worker that spins for it (no parking, so that the two start within a few hundred
	 * nanoseconds; it yields once it waited long), each starting after a varying short
	 * spin.
	 */
	static final class Race implements AutoCloseable {

		private static final int ITERATIONS = 100_000;

		private static final long TIME_BOX = TimeUnit.SECONDS.toNanos(6);

		private final AtomicReference<Runnable> task = new AtomicReference<>();

		private final Thread worker = new Thread(this::work, "race");

		private volatile boolean finished;

		private volatile boolean stopped;

		private volatile Throwable failure;

		private int round;

		Race() {
			this.worker.setDaemon(true);
			this.worker.start();
		}

		/**
		 * Run an iteration 100,000 times, or as many as fit in the time box.
		 * @param iteration the iteration, which calls {@link #run} once
		 * @return how many ran
		 */
		int repeat(Runnable iteration) {
			long deadline = System.nanoTime() + TIME_BOX;
			int done = 0;
			while (done < ITERATIONS && System.nanoTime() - deadline < 0) {
				iteration.run();
				done++;
			}
			return done;
		}

		void run(Runnable mine, Runnable theirs) {
			int delay = this.round++ % 64;
			this.finished = false;
			this.task.set(() -> {
				spin(63 - delay);
				theirs.run();
			});
			spin(delay);
			mine.run();
			for (int idle = 0; !this.finished; idle++) {
				pause(idle);
			}
			Throwable failed = this.failure;
			if (failed != null) {
				throw new AssertionError("The racing action failed", failed);
			}
		}

		private void work() {
			int idle = 0;
			while (!this.stopped) {
				Runnable next = this.task.getAndSet(null);
				if (next == null) {
					pause(idle++);
					continue;
				}
				idle = 0;
				try {
					next.run();
				}
				catch (Throwable ex) {
					this.failure = ex;
				}
				finally {
					this.finished = true;
				}
			}
		}

		/** Spin a little, then let other threads run: the machine may have fewer cores than busy threads. */
		private static void pause(int idle) {
			if (idle < 1_000) {
				Thread.onSpinWait();
			}
			else {
				Thread.yield();
			}
		}

		private static void spin(int times) {
			for (int i = 0; i < times; i++) {
				Thread.onSpinWait();
			}
		}

		@Override
		public void close() throws InterruptedException {
			this.stopped = true;
			this.worker.join(TimeUnit.SECONDS.toMillis(10));
		}

	}

}
