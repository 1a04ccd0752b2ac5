package io.github.agentmemory.redis.recovery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import io.github.agentmemory.redis.command.DropReason;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.command.WriteOutcome.Status;
import io.github.agentmemory.redis.recovery.RedisWriteArbitraries.Write;
import io.github.agentmemory.redis.recovery.WriteConflicts.Kind;
import io.github.agentmemory.redis.recovery.WriteConflicts.Residual;
import io.github.agentmemory.redis.recovery.WritePathFixture.Send;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

import org.springframework.lang.Nullable;

import static io.github.agentmemory.redis.recovery.RedisWriteArbitraries.describe;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Model-based properties of {@link WriteSequencer}: random sequences of writes to three
 * keys with every priority (and none), replies in any order with success, timeouts,
 * refusals while disconnected, out of memory, permanent errors and circuit rejections,
 * replays and probes, expiry, the circuit opening and closing, and shutdown. A fake Redis
 * ({@link KeyModel} per key) applies each key's writes in the order they were sent; after
 * every step and at the end, with the write path shut down and every send answered, the
 * history is checked for the invariants of the write path:
 * <ul>
 * <li><b>I1</b>: every future handed out completed, a priority write's never
 * exceptionally; a write ends APPLIED exactly when Redis applied it, once; nothing is sent
 * twice at once, after its end, or after shutdown;</li>
 * <li><b>I2</b>: a write applied after a later write to its key applied first commutes
 * with it, and each key ends as applying its applied writes in issue order would leave
 * it;</li>
 * <li><b>I3</b>: a write dropped as superseded was fully overwritten by later applied
 * writes;</li>
 * <li><b>I4</b>: when a write is given up for capacity, age or attempts, no less
 * important write is queued (checked as the drop is counted);</li>
 * <li><b>I5</b>: enqueued, replayed and dropped-by-reason counts equal what callers were
 * told, and the queue ends empty.</li>
 * </ul>
 * Each check was seen to fail on a broken write path: new writes sent at once even behind
 * waiting ones (I2), no give-up order for used-up attempts (I4), independent writes
 * folded as superseded (I3), a queued write counted as enqueued on every re-queue (I5).
 */
class WriteSequencerProperties {

	private static final List<String> KEYS = List.of("a", "b", "c");

	private static final Set<DropReason> GIVE_UPS = EnumSet.of(DropReason.CAPACITY, DropReason.EXPIRED,
			DropReason.ATTEMPTS_EXHAUSTED);

	@Property(tries = 4_000)
	void everyWriteEndsOnceInKeyOrderIsGivenUpLeastImportantFirstAndCountedOnce(
			@ForAll("actions") List<Action> actions, @ForAll("replies") Reply lastReplies) {
		History history = new History();
		for (Action action : actions) {
			action.applyTo(history);
			history.checkStep(action);
		}
		history.shutDownAndAnswer(lastReplies);
		history.checkEnd();
		history.collectStatistics();
		Statistics.label("actions").collect(actions.size() / 10 * 10);
	}

	/**
	 * Without a journal, writes parked encoded in a queue of 8: mostly queued writes of
	 * several priorities to the same keys, loaded back a few at a time, so that a more
	 * important write is loaded before older writes of its key are (they must come with it).
	 * Seen to fail when the older writes of a key are not loaded with it.
	 */
	@Property(tries = 1_500)
	void writesParkedEncodedAndLoadedBackMostImportantFirstEndOnceInKeyOrder(
			@ForAll("queuedActions") List<Action> actions, @ForAll("replies") Reply lastReplies) {
		History history = new History(null, 8);
		int mostParked = 0;
		for (Action action : actions) {
			action.applyTo(history);
			history.checkStep(action);
			mostParked = Math.max(mostParked, history.fixture.queue.parkedSize());
		}
		history.shutDownAndAnswer(lastReplies);
		history.checkEnd();
		history.collectStatistics();
		Statistics.label("most parked").collect(Math.min(mostParked, 6));
	}

	@Provide
	Arbitrary<List<Action>> queuedActions() {
		Arbitrary<Priority> priorities = Arbitraries.frequency(Tuple.of(1, (Priority) null),
				Tuple.of(1, Priority.CRITICAL), Tuple.of(4, Priority.HIGH), Tuple.of(4, Priority.NORMAL));
		Arbitrary<Action> submit = Combinators
			.combine(Arbitraries.of(KEYS), RedisWriteArbitraries.hashWrites(RedisWriteArbitraries.KEY), priorities)
			.as(Submit::new);
		Arbitrary<Action> answer = Combinators
			.combine(Arbitraries.integers().between(-1, 3),
					Arbitraries.frequency(Tuple.of(3, Reply.SUCCESS), Tuple.of(1, Reply.TIMEOUT)))
			.as(Answer::new);
		Arbitrary<Action> replay = Combinators.combine(Arbitraries.of(KEYS), Arbitraries.of(true, false))
			.as(Replay::new);
		return Arbitraries
			.frequencyOf(Tuple.of(14, submit), Tuple.of(5, Arbitraries.just(new FailAll())), Tuple.of(6, answer),
					Tuple.of(2, replay), Tuple.of(4, Arbitraries.of(1, 2).map(ParkedReplayProperties.LoadParked::new)),
					Tuple.of(3, Arbitraries.of(1, 2).map(ParkedReplayProperties.ProcessorRound::new)),
					Tuple.of(1, Arbitraries.of(5, 20).map(Advance::new)))
			.list()
			.ofMinSize(10)
			.ofMaxSize(60);
	}

	@Provide
	Arbitrary<List<Action>> actions() {
		return actions(Arbitraries.of(Priority.class).injectNull(0.2), replies(),
				Arbitraries.of(1, 2, 8).map(ParkedReplayProperties.LoadParked::new));
	}

	private Arbitrary<List<Action>> actions(Arbitrary<Priority> priorities, Arbitrary<Reply> replies,
			Arbitrary<Action> load) {
		Arbitrary<String> keys = Arbitraries.of(KEYS);
		// mostly hash writes, so that writes to a key overlap, supersede and trim each other
		Arbitrary<Write> writes = Arbitraries.frequencyOf(
				Tuple.of(2, RedisWriteArbitraries.writes(RedisWriteArbitraries.KEY)),
				Tuple.of(4, RedisWriteArbitraries.hashWrites(RedisWriteArbitraries.KEY)),
				Tuple.of(1, RedisWriteArbitraries.sets(RedisWriteArbitraries.KEY)));
		Arbitrary<Action> submit = Combinators.combine(keys, writes, priorities).as(Submit::new);
		Arbitrary<Action> answer = Combinators.combine(Arbitraries.integers().between(-1, 3), replies)
			.as(Answer::new);
		Arbitrary<Action> replay = Combinators.combine(keys, Arbitraries.of(true, false)).as(Replay::new);
		Arbitrary<Action> advance = Arbitraries.of(5, 20, 1_000).map(Advance::new);
		Arbitrary<Action> expire = Arbitraries.of(0, 10, 100).map(Expire::new);
		// writes parked encoded are loaded back by the processor's rounds, most important first
		Arbitrary<Action> round = Arbitraries.of(1, 2, 3).map(ParkedReplayProperties.ProcessorRound::new);
		return Arbitraries
			.frequencyOf(Tuple.of(12, submit), Tuple.of(10, answer), Tuple.of(6, replay), Tuple.of(3, advance),
					Tuple.of(3, load), Tuple.of(3, round),
					Tuple.of(2, expire), Tuple.of(1, Arbitraries.just(new OpenCircuit())),
					Tuple.of(2, Arbitraries.just(new CloseCircuit())), Tuple.of(1, Arbitraries.just(new Shutdown())))
			.list()
			.ofMinSize(10)
			.ofMaxSize(60);
	}

	@Provide
	Arbitrary<Reply> replies() {
		return Arbitraries.frequency(Tuple.of(4, Reply.SUCCESS), Tuple.of(2, Reply.NOT_CONNECTED),
				Tuple.of(2, Reply.TIMEOUT), Tuple.of(2, Reply.OUT_OF_MEMORY), Tuple.of(1, Reply.WRONGTYPE),
				Tuple.of(1, Reply.REJECTED));
	}

	/** The same write for another key: a new object each time, so sends are told apart. */
	static RedisWrite withKey(RedisWrite write, String key) {
		if (write instanceof RedisWrite.Set set) {
			return RedisWrite.set(key, set.value(), set.options());
		}
		if (write instanceof RedisWrite.Delete) {
			return RedisWrite.delete(key);
		}
		if (write instanceof RedisWrite.Expire expire) {
			return RedisWrite.expire(key, expire.ttl());
		}
		if (write instanceof RedisWrite.HashSet hashSet) {
			return RedisWrite.hset(key, hashSet.fields());
		}
		if (write instanceof RedisWrite.HashDelete hashDelete) {
			return RedisWrite.hdel(key, hashDelete.fields());
		}
		if (write instanceof RedisWrite.SortedSetAdd add) {
			return RedisWrite.zadd(key, add.members(), add.options());
		}
		if (write instanceof RedisWrite.SortedSetRemove remove) {
			return RedisWrite.zrem(key, remove.members());
		}
		throw new IllegalArgumentException("Unknown write: " + write);
	}

	/** How the fake Redis answers a send. */
	enum Reply {

		/** Applied, unless the key holds another type: then WRONGTYPE. */
		SUCCESS,

		/** Refused by Lettuce while disconnected: never sent. */
		NOT_CONNECTED,

		/** No reply in time (and, here, not applied). */
		TIMEOUT,

		/** OOM: Redis refused the write. */
		OUT_OF_MEMORY,

		/** A permanent error. */
		WRONGTYPE,

		/** The open circuit rejected it. */
		REJECTED

	}

	/** One step of a history. */
	interface Action {

		void applyTo(History history);

	}

	record Submit(String key, Write write, Priority priority) implements Action {

		@Override
		public void applyTo(History history) {
			history.submit(withKey(this.write.write(), this.key), this.priority);
		}

		@Override
		public String toString() {
			return "submit " + describe(withKey(this.write.write(), this.key)) + " "
					+ ((this.priority != null) ? this.priority : "(no priority)");
		}

	}

	record Answer(int pick, Reply reply) implements Action {

		@Override
		public void applyTo(History history) {
			history.answer(this.pick, this.reply);
		}

		@Override
		public String toString() {
			return "answer " + ((this.pick < 0) ? "oldest" : "#" + this.pick) + " " + this.reply;
		}

	}

	/** Redis goes away: every send in flight fails, never sent ("not connected"). */
	record FailAll() implements Action {

		@Override
		public void applyTo(History history) {
			for (Send send = history.fixture.sender.poll(); send != null; send = history.fixture.sender.poll()) {
				history.answer(send, Reply.NOT_CONNECTED);
			}
		}

		@Override
		public String toString() {
			return "fail every send in flight";
		}

	}

	record Replay(String key, boolean probe) implements Action {

		@Override
		public void applyTo(History history) {
			history.fixture.sequencer.replay(this.key, this.probe);
		}

		@Override
		public String toString() {
			return (this.probe ? "probe " : "replay ") + this.key;
		}

	}

	record Advance(int millis) implements Action {

		@Override
		public void applyTo(History history) {
			history.fixture.scheduler.advance(Duration.ofMillis(this.millis));
		}

		@Override
		public String toString() {
			return "advance " + this.millis + "ms";
		}

	}

	record Expire(int maxAgeMillis) implements Action {

		@Override
		public void applyTo(History history) {
			history.fixture.sequencer.expire(Duration.ofMillis(this.maxAgeMillis).toNanos());
		}

		@Override
		public String toString() {
			return "expire older than " + this.maxAgeMillis + "ms";
		}

	}

	record OpenCircuit() implements Action {

		@Override
		public void applyTo(History history) {
			if (history.fixture.circuitBreaker.getState() != CircuitBreaker.State.OPEN) {
				history.fixture.circuitBreaker.transitionToOpenState();
			}
		}

		@Override
		public String toString() {
			return "open circuit";
		}

	}

	record CloseCircuit() implements Action {

		@Override
		public void applyTo(History history) {
			if (history.fixture.circuitBreaker.getState() != CircuitBreaker.State.CLOSED) {
				history.fixture.circuitBreaker.transitionToClosedState();
			}
		}

		@Override
		public String toString() {
			return "close circuit";
		}

	}

	record Shutdown() implements Action {

		@Override
		public void applyTo(History history) {
			history.shutDown();
		}

		@Override
		public String toString() {
			return "shut down";
		}

	}

	/**
	 * A write as its caller and the fake Redis saw it.
	 */
	static final class Issued {

		final int id;

		final RedisWrite write;

		final Priority priority;

		CompletableFuture<WriteOutcome> outcome;

		CompletableFuture<Object> reply;

		boolean inFlight;

		int applied;

		Issued(int id, RedisWrite write, Priority priority) {
			this.id = id;
			this.write = write;
			this.priority = priority;
		}

		String key() {
			return this.write.key();
		}

		boolean answeredQueued() {
			return this.outcome != null && this.outcome.isDone() && !this.outcome.isCompletedExceptionally()
					&& this.outcome.join().status() == Status.QUEUED;
		}

		boolean ended() {
			if (this.reply != null) {
				return this.reply.isDone();
			}
			if (this.outcome == null || !this.outcome.isDone()) {
				return false;
			}
			return !answeredQueued() || this.outcome.join().settlement().isDone();
		}

		/** The last outcome of a write with a priority, once it ended. */
		WriteOutcome end() {
			WriteOutcome first = this.outcome.join();
			return (first.status() == Status.QUEUED) ? first.settlement().join() : first;
		}

		boolean endedApplied() {
			if (this.reply != null) {
				return !this.reply.isCompletedExceptionally();
			}
			return end().status() == Status.APPLIED;
		}

		boolean droppedAs(DropReason reason) {
			if (this.reply != null) {
				Throwable error = this.reply.handle((value, failure) -> failure).join();
				return error != null && String.valueOf(error.getMessage()).contains("not applied: " + reason);
			}
			return end().status() == Status.DROPPED && end().dropReason() == reason;
		}

		@Override
		public String toString() {
			return "#" + this.id + " " + describe(this.write) + " " + ((this.priority != null) ? this.priority : "call");
		}

	}

	/** A send Redis applied: whose and what was sent (the write, or what was left of it). */
	record Applied(Issued issued, RedisWrite sent) {

	}

	/**
	 * One run: the write path, what its callers hold, and the fake Redis.
	 */
	static final class History {

		final WritePathFixture fixture;

		/** The fixture's journal, if it has one: answered like the sends at the end. */
		final HeldJournal journal;

		final List<Issued> issued = new ArrayList<>();

		final Map<RedisWrite, Issued> byWrite = new IdentityHashMap<>();

		final Map<Send, Issued> bySend = new IdentityHashMap<>();

		final Map<String, KeyModel> redis = new HashMap<>();

		final List<Applied> applied = new ArrayList<>();

		final List<String> violations = new ArrayList<>();

		boolean shutDown;

		int residualsSent;

		History() {
			this(null);
		}

		History(HeldJournal journal) {
			this(journal, 3);
		}

		History(HeldJournal journal, int capacity) {
			this.journal = journal;
			this.fixture = new WritePathFixture(capacity, WritePathFixture.MAX_QUEUED_ATTEMPTS, journal);
			this.fixture.sender.onSend(this::sent);
			this.fixture.counters.addListener(new RecoveryListener() {
				@Override
				public void dropped(Priority priority, DropReason reason) {
					givenUp(priority, reason);
				}
			});
		}

		void submit(RedisWrite write, Priority priority) {
			Issued issued = new Issued(this.issued.size(), write, priority);
			this.issued.add(issued);
			this.byWrite.put(write, issued);
			if (priority == null) {
				issued.reply = this.fixture.sequencer.write(write);
			}
			else {
				issued.outcome = this.fixture.sequencer.write(write, priority, null);
			}
		}

		void answer(int pick, Reply reply) {
			List<Send> inFlight = this.fixture.sender.inFlight();
			if (inFlight.isEmpty()) {
				return;
			}
			Send picked = inFlight.get((pick < 0) ? 0 : pick % inFlight.size());
			if (reply == Reply.SUCCESS) {
				// Redis applies a key's writes in the order they were sent
				String key = picked.write().key();
				picked = inFlight.stream().filter((send) -> send.write().key().equals(key)).findFirst().orElseThrow();
			}
			Send chosen = picked;
			answer(this.fixture.sender.take((send) -> send == chosen), reply);
		}

		void answer(Send send, Reply reply) {
			Issued issued = this.bySend.get(send);
			issued.inFlight = false;
			switch (reply) {
				case SUCCESS -> {
					String key = send.write().key();
					KeyModel before = this.redis.getOrDefault(key, KeyModel.absent());
					KeyModel after = before.apply(send.write()).orElse(null);
					if (after == null) {
						send.fail(WritePathFixture.wrongType());
						return;
					}
					this.redis.put(key, after);
					this.applied.add(new Applied(issued, send.write()));
					issued.applied++;
					send.succeed();
					// the send was attributed to the right write (a decoded copy is matched by
					// equality): the write it was attributed to is the one that ends APPLIED
					if (!issued.ended() || !issued.endedApplied()) {
						this.violations.add("I1: Redis applied " + describe(send.write()) + ", sent for " + issued
								+ ", which did not end APPLIED");
					}
				}
				case NOT_CONNECTED -> send.fail(WritePathFixture.notConnected());
				case TIMEOUT -> send.fail(WritePathFixture.timeout());
				case OUT_OF_MEMORY -> send.fail(WritePathFixture.outOfMemory());
				case WRONGTYPE -> send.fail(WritePathFixture.wrongType());
				case REJECTED -> send.fail(WritePathFixture.rejected(send.write()));
			}
		}

		void shutDown() {
			this.shutDown = true;
			this.fixture.sequencer.close();
		}

		/** Shut down (unless done), then answer every send and run every timer. */
		void shutDownAndAnswer(Reply reply) {
			if (!this.shutDown) {
				shutDown();
			}
			for (int round = 0; round < 1_000; round++) {
				Send send = this.fixture.sender.poll();
				if (send != null) {
					answer(send, reply);
				}
				else if (this.fixture.scheduler.pending() > 0) {
					this.fixture.scheduler.runAll();
				}
				else if (this.journal != null && this.journal.pending() > 0) {
					this.journal.answerAll();
				}
				else {
					return;
				}
			}
			this.violations.add("sends and timers did not stop after shutdown");
		}

		private void sent(Send send) {
			Issued issued = this.byWrite.get(send.write());
			if (issued == null) {
				// another object: what is left of the oldest waiting write of its key, or a
				// decoded copy of it (parked encoded); of a later write only when the older
				// ones were given up meanwhile (their outcomes still on their way)
				Issued oldest = oldestWaiting(send.write());
				if (oldest != null && covers(oldest.write, send.write())) {
					issued = oldest;
					if (!oldest.write.equals(send.write())) {
						this.residualsSent++;
					}
				}
				else {
					issued = decodedOwner(send.write());
				}
				if (issued == null) {
					this.violations.add("sent " + describe(send.write())
							+ ", which is not what is left of the oldest waiting write " + oldest
							+ " nor a copy of a waiting write of its key");
					return;
				}
			}
			if (this.shutDown) {
				this.violations.add("I1: " + issued + " sent after shutdown");
			}
			if (issued.inFlight) {
				this.violations.add("I1: " + issued + " sent while in flight");
			}
			if (issued.ended()) {
				this.violations.add("I1: " + issued + " sent after it ended");
			}
			issued.inFlight = true;
			this.bySend.put(send, issued);
		}

		/**
		 * Whose copy a send is when it is not the oldest waiting write of its key: a write
		 * parked encoded is sent as a decoded copy, equal to it but another object, and the
		 * older writes of its key may have been given up with their outcomes still on their
		 * way; it is the oldest waiting write of its key equal to it (key order is checked
		 * where writes are applied, I2).
		 */
		@Nullable
		private Issued decodedOwner(RedisWrite sent) {
			return this.issued.stream()
				.filter((issued) -> issued.key().equals(sent.key()) && !issued.inFlight && !issued.ended()
						&& issued.write.equals(sent))
				.findFirst()
				.orElse(null);
		}

		/** The oldest write of a key that neither ended nor is in flight (a key sends it first). */
		@Nullable
		private Issued oldestWaiting(RedisWrite sent) {
			return this.issued.stream()
				.filter((issued) -> issued.key().equals(sent.key()) && !issued.inFlight && !issued.ended())
				.findFirst()
				.orElse(null);
		}

		/** Whether a sent write is the write or what is left of it (the same command, fewer names). */
		private static boolean covers(RedisWrite write, RedisWrite sent) {
			return write.getClass() == sent.getClass()
					&& RedisWriteArbitraries.names(write).containsAll(RedisWriteArbitraries.names(sent));
		}

		/** I4, as the drop is counted: nothing less important waits in the queue. */
		private void givenUp(Priority priority, DropReason reason) {
			if (!GIVE_UPS.contains(reason)) {
				return;
			}
			Map<Priority, Integer> sizes = this.fixture.queue.stats().size();
			for (Priority lower : Priority.values()) {
				if (lower.compareTo(priority) > 0 && sizes.get(lower) > 0) {
					this.violations.add("I4: a " + priority + " write was given up (" + reason + ") while "
							+ sizes.get(lower) + " " + lower + " writes were queued");
				}
			}
		}

		void checkStep(Action action) {
			assertThat(this.violations).as("after %s", action).isEmpty();
			for (Issued issued : this.issued) {
				if (issued.outcome != null) {
					assertThat(issued.outcome.isCompletedExceptionally()).as("%s outcome", issued).isFalse();
					if (issued.answeredQueued()) {
						assertThat(issued.outcome.join().settlement().isCompletedExceptionally())
							.as("%s settlement", issued)
							.isFalse();
					}
				}
			}
		}

		void checkEnd() {
			assertThat(this.violations).as("at the end").isEmpty();
			checkOneEnd();
			checkKeyOrder();
			checkSuperseded();
			checkCounts();
		}

		/** I1: each write ended, once, APPLIED exactly when Redis applied it. */
		private void checkOneEnd() {
			for (Issued issued : this.issued) {
				assertThat(issued.ended()).as("I1: %s never ended", issued).isTrue();
				assertThat(issued.applied).as("I1: %s applied more than once", issued).isLessThanOrEqualTo(1);
				assertThat(issued.endedApplied()).as("I1: %s ended APPLIED exactly when Redis applied it", issued)
					.isEqualTo(issued.applied == 1);
				if (issued.outcome != null) {
					assertThat(issued.end().status()).as("I1: %s last outcome", issued).isNotEqualTo(Status.QUEUED);
					if (this.journal == null) {
						// a write kept encoded ends naming an equal copy of the caller's write, never
						// what was left of it to send (a journaled one may: its journal entry is the rest)
						assertThat(issued.end().write()).as("%s last outcome's write", issued).isEqualTo(issued.write);
					}
				}
			}
		}

		/**
		 * I2: a write applied after a later write to its key was applied first commutes with
		 * it (what was sent of it is independent of what the later one wrote); and each key
		 * ends as applying its applied writes in issue order would leave it.
		 */
		private void checkKeyOrder() {
			for (int later = 0; later < this.applied.size(); later++) {
				Applied applied = this.applied.get(later);
				for (int earlier = 0; earlier < later; earlier++) {
					Applied before = this.applied.get(earlier);
					if (before.issued().key().equals(applied.issued().key())
							&& before.issued().id > applied.issued().id) {
						Kind kind = WriteConflicts.residual(applied.sent(), before.sent()).kind();
						assertThat(kind).as("I2: %s applied after the later %s", applied.issued(), before.issued())
							.isEqualTo(Kind.INDEPENDENT);
					}
				}
			}
			for (String key : KEYS) {
				KeyModel inIssueOrder = KeyModel.absent();
				for (Issued issued : this.issued) {
					if (issued.key().equals(key) && issued.endedApplied()) {
						inIssueOrder = inIssueOrder.apply(issued.write).orElse(null);
						assertThat(inIssueOrder).as("I2: %s applied in issue order", issued).isNotNull();
					}
				}
				assertThat(this.redis.getOrDefault(key, KeyModel.absent())).as("I2: key %s", key)
					.isEqualTo(inIssueOrder);
			}
		}

		/** I3: a write dropped as superseded was fully overwritten by later applied writes. */
		private void checkSuperseded() {
			for (Issued dropped : this.issued) {
				if (!dropped.droppedAs(DropReason.SUPERSEDED)) {
					continue;
				}
				RedisWrite left = dropped.write;
				boolean overwritten = false;
				for (Applied applied : this.applied) {
					if (applied.issued().id <= dropped.id || !applied.issued().key().equals(dropped.key())) {
						continue;
					}
					Residual residual = WriteConflicts.residual(left, applied.sent());
					if (residual.kind() == Kind.SUPERSEDED) {
						overwritten = true;
						break;
					}
					if (residual.kind() == Kind.TRIMMED) {
						left = residual.write();
					}
				}
				assertThat(overwritten).as("I3: %s dropped as superseded", dropped).isTrue();
			}
		}

		/** I5: the counts are what callers were told, and the queue ends empty. */
		private void checkCounts() {
			Map<Priority, Long> enqueued = zeros(Priority.class);
			Map<Priority, Long> replayed = zeros(Priority.class);
			Map<DropReason, Long> dropped = zeros(DropReason.class);
			for (Issued issued : this.issued) {
				if (issued.outcome == null) {
					continue;
				}
				if (issued.answeredQueued()) {
					enqueued.merge(issued.priority, 1L, Long::sum);
					if (issued.end().status() == Status.APPLIED) {
						replayed.merge(issued.priority, 1L, Long::sum);
					}
				}
				if (issued.end().status() == Status.DROPPED) {
					dropped.merge(issued.end().dropReason(), 1L, Long::sum);
				}
			}
			RecoveryStats stats = this.fixture.queue.stats();
			assertThat(stats.enqueued()).as("I5: enqueued").isEqualTo(enqueued);
			assertThat(stats.replayed()).as("I5: replayed").isEqualTo(replayed);
			assertThat(stats.dropped()).as("I5: dropped").isEqualTo(dropped);
			assertThat(stats.totalSize()).as("I5: queue size at the end").isZero();
			assertThat(this.fixture.queue.size()).as("I5: queue size at the end").isZero();
		}

		void collectStatistics() {
			RecoveryStats stats = this.fixture.queue.stats();
			for (DropReason reason : EnumSet.of(DropReason.SUPERSEDED, DropReason.CAPACITY, DropReason.EXPIRED,
					DropReason.ATTEMPTS_EXHAUSTED, DropReason.SHUTDOWN)) {
				Statistics.label(reason.name()).collect(stats.dropped().get(reason) > 0);
			}
			Statistics.label("replayed").collect(stats.replayed().values().stream().mapToLong(Long::longValue).sum() > 0);
			Statistics.label("residual sent").collect(this.residualsSent > 0);
		}

		private static <K extends Enum<K>> Map<K, Long> zeros(Class<K> type) {
			Map<K, Long> zeros = new EnumMap<>(type);
			for (K constant : type.getEnumConstants()) {
				zeros.put(constant, 0L);
			}
			return zeros;
		}

	}

}
