package io.github.agentmemory.redis.recovery;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import io.github.agentmemory.redis.command.DropReason;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.recovery.FailureDecision.Decision;
import io.github.agentmemory.redis.recovery.PendingWrite.Handling;
import io.github.agentmemory.redis.recovery.PendingWrite.State;
import io.github.agentmemory.redis.recovery.journal.JournalEntry;
import io.github.agentmemory.redis.recovery.journal.JournalFullException;
import io.github.agentmemory.redis.recovery.journal.RecoveryJournal;
import io.github.agentmemory.redis.resilience.RedisCircuitOpenException;
import io.github.agentmemory.redis.resilience.RedisFaultClassifier;
import io.github.agentmemory.redis.resilience.RetryPolicy;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.core.log.LogMessage;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.lang.Nullable;
import org.springframework.util.Assert;

/**
 * Applies writes so that writes to one key take effect in the order they were issued,
 * across retries, outages and replays, and hands the writes Redis cannot take now to
 * the {@link RecoveryQueue}.
 *
 * <p>
 * Each key with writes in flight or waiting has a {@link KeyLane}. A new write is sent
 * at once unless earlier writes to its key wait, so writes pipeline on the happy path; a
 * write that fails is decided on ({@link FailureDecision}) once no later write to its key
 * is in flight, after those that were applied are folded into it
 * ({@link WriteConflicts}): it is retried after a backoff, queued, dropped or reported.
 * Waiting writes are sent oldest first, one at a time per key.
 *
 * <p>
 * Invariants, checked by {@code WriteSequencerLincheckTests} and
 * {@code WriteSequencerProperties}:
 * <ul>
 * <li><b>I1 one end</b>: every write reaches exactly one terminal outcome and every
 * future handed out completes once, also at and after {@link #close()};</li>
 * <li><b>I2 key order</b>: a write is never applied after a later write to its key that
 * it conflicts with;</li>
 * <li><b>I3</b>: a write is dropped as {@link DropReason#SUPERSEDED} only when a later
 * applied write overwrote all of it;</li>
 * <li><b>I4 give-up order</b>: see {@link RecoveryQueue}; attempts count a write's own
 * failed sends only;</li>
 * <li><b>I5 honest counts</b>: see {@link RecoveryCounters}.</li>
 * </ul>
 * Locks: a lane's monitor, then possibly the queue's; never two lanes. Futures complete
 * after the locks are released.
 *
 * @author agent-memory-redis
 */
public class WriteSequencer implements DisposableBean {

	private static final Log logger = LogFactory.getLog(WriteSequencer.class);

	private final ConcurrentHashMap<String, KeyLane> lanes = new ConcurrentHashMap<>();

	private final WriteSender sender;

	private final CircuitBreaker circuitBreaker;

	private final ScheduledExecutorService scheduler;

	private final RedisFaultClassifier classifier;

	private final RetryPolicy defaultRetryPolicy;

	private final RecoveryQueue queue;

	private final boolean queueEnabled;

	private final int maxQueuedAttempts;

	private final LongSupplier nanoTime;

	private final WriteOutcomes outcomes;

	private final AtomicLong sequence = new AtomicLong();

	@Nullable
	private final RecoveryJournal journal;

	private volatile boolean closed;

	/**
	 * Create a sequencer.
	 * @param sender sends a write once through the circuit breaker
	 * @param circuitBreaker the breaker the sender goes through
	 * @param scheduler runs retries
	 * @param classifier decides the kind of each error
	 * @param defaultRetryPolicy retries of writes without a priority and of CRITICAL ones
	 * without their own policy
	 * @param queue the recovery queue
	 * @param counters what happened to failed writes
	 * @param queueEnabled whether failed HIGH and NORMAL writes are queued
	 * @param maxQueuedAttempts a queued write's own failed sends before it is dropped
	 * @param nanoTime the monotonic clock
	 */
	public WriteSequencer(WriteSender sender, CircuitBreaker circuitBreaker, ScheduledExecutorService scheduler,
			RedisFaultClassifier classifier, RetryPolicy defaultRetryPolicy, RecoveryQueue queue,
			RecoveryCounters counters, boolean queueEnabled, int maxQueuedAttempts, LongSupplier nanoTime) {
		this(sender, circuitBreaker, scheduler, classifier, defaultRetryPolicy, queue, counters, queueEnabled,
				maxQueuedAttempts, nanoTime, null);
	}

	/**
	 * Create a sequencer whose queued writes are also kept in a recovery journal: a write
	 * is answered {@code QUEUED} only once the journal has committed it, and the writes
	 * the journal kept from the last run are replayed first (see {@link #recover()}).
	 * @param sender sends a write once through the circuit breaker
	 * @param circuitBreaker the breaker the sender goes through
	 * @param scheduler runs retries
	 * @param classifier decides the kind of each error
	 * @param defaultRetryPolicy retries of writes without a priority and of CRITICAL ones
	 * without their own policy
	 * @param queue the recovery queue
	 * @param counters what happened to failed writes
	 * @param queueEnabled whether failed HIGH and NORMAL writes are queued
	 * @param maxQueuedAttempts a queued write's own failed sends before it is dropped
	 * @param nanoTime the monotonic clock
	 * @param journal the recovery journal, or {@code null} for none
	 */
	public WriteSequencer(WriteSender sender, CircuitBreaker circuitBreaker, ScheduledExecutorService scheduler,
			RedisFaultClassifier classifier, RetryPolicy defaultRetryPolicy, RecoveryQueue queue,
			RecoveryCounters counters, boolean queueEnabled, int maxQueuedAttempts, LongSupplier nanoTime,
			@Nullable RecoveryJournal journal) {
		Assert.notNull(sender, "'sender' must not be null");
		Assert.notNull(circuitBreaker, "'circuitBreaker' must not be null");
		Assert.notNull(scheduler, "'scheduler' must not be null");
		Assert.notNull(classifier, "'classifier' must not be null");
		Assert.notNull(defaultRetryPolicy, "'defaultRetryPolicy' must not be null");
		Assert.notNull(queue, "'queue' must not be null");
		Assert.notNull(counters, "'counters' must not be null");
		Assert.isTrue(maxQueuedAttempts >= 1, "'maxQueuedAttempts' must be at least 1");
		Assert.notNull(nanoTime, "'nanoTime' must not be null");
		this.sender = sender;
		this.circuitBreaker = circuitBreaker;
		this.scheduler = scheduler;
		this.classifier = classifier;
		this.defaultRetryPolicy = defaultRetryPolicy;
		this.queue = queue;
		this.queueEnabled = queueEnabled;
		this.maxQueuedAttempts = maxQueuedAttempts;
		this.nanoTime = nanoTime;
		this.journal = journal;
		this.outcomes = new WriteOutcomes(counters, new DropLog(nanoTime, queue.capacity()), journal);
		circuitBreaker.getEventPublisher().onStateTransition((event) -> {
			if (event.getStateTransition().getToState() == CircuitBreaker.State.OPEN) {
				circuitOpened();
			}
		});
	}

	/**
	 * Apply a write issued without a priority: retried if it is idempotent (or never left
	 * the client), then the error goes to the caller.
	 * @param write the write
	 * @return the raw reply
	 */
	public CompletableFuture<Object> write(RedisWrite write) {
		CompletableFuture<Object> reply = new CompletableFuture<>();
		submit(new PendingWrite(write, Handling.CALL, null, this.nanoTime.getAsLong(), this.defaultRetryPolicy, reply,
				null));
		return reply;
	}

	/**
	 * Apply a write with a priority.
	 * @param write the write
	 * @param priority how to handle it if it cannot be applied at once
	 * @param retryPolicy retries of a {@code CRITICAL} write; {@code null} for the default
	 * @return the outcome; never completes exceptionally
	 */
	public CompletableFuture<WriteOutcome> write(RedisWrite write, Priority priority,
			@Nullable RetryPolicy retryPolicy) {
		Assert.notNull(write, "'write' must not be null");
		Assert.notNull(priority, "'priority' must not be null");
		CompletableFuture<WriteOutcome> outcome = new CompletableFuture<>();
		Handling handling = Handling.of(priority);
		RetryPolicy policy = (handling != Handling.RETRY) ? null
				: (retryPolicy != null) ? retryPolicy : this.defaultRetryPolicy;
		submit(new PendingWrite(write, handling, priority, this.nanoTime.getAsLong(), policy, null, outcome));
		return outcome;
	}

	/**
	 * Send the oldest waiting write of a key, if nothing of the key is in flight; after it
	 * is applied, the key's next waiting writes follow by themselves.
	 * @param key the key
	 * @param probe whether this send probes Redis for the queue (its failure is not the
	 * write's own attempt)
	 * @return completes with whether the write sent was applied; {@code null} if nothing
	 * was sent (nothing waits, or the key is busy)
	 */
	@Nullable
	CompletableFuture<Boolean> replay(String key, boolean probe) {
		return replay(key, probe, false);
	}

	@Nullable
	private CompletableFuture<Boolean> replay(String key, boolean probe, boolean backoffOver) {
		KeyLane lane = this.lanes.get(key);
		if (lane == null) {
			return null;
		}
		PendingWrite next;
		synchronized (lane) {
			next = nextToSend(lane, backoffOver);
			if (next != null) {
				next.probe = probe;
			}
			retireIfIdle(lane);
		}
		return (next != null) ? send(next) : null;
	}

	/**
	 * Give up the queued writes that waited longer than the maximum age (see
	 * {@link RecoveryQueue#expire(long)} for the order).
	 * @param maxAgeNanos the maximum age
	 * @return how many were given up
	 */
	int expire(long maxAgeNanos) {
		List<PendingWrite> expired = this.queue.expire(this.nanoTime.getAsLong() - maxAgeNanos);
		Effects effects = new Effects();
		for (PendingWrite write : expired) {
			this.outcomes.dropped(write, DropReason.EXPIRED, write.lastError, effects);
			effects.add(() -> purge(write));
		}
		effects.run();
		return expired.size();
	}

	/**
	 * Shut down: from now on no write waits; every waiting write is given up
	 * ({@link DropReason#SHUTDOWN}, or an error for a write without a priority). Writes in
	 * flight end with their reply and are then given up the same way if they failed.
	 * @return the queued writes given up
	 */
	List<PendingWrite> close() {
		this.closed = true;
		List<PendingWrite> queued = this.queue.close();
		Effects effects = new Effects();
		for (PendingWrite write : queued) {
			this.outcomes.dropped(write, WriteOutcomes.atShutdown(write), write.lastError, effects);
		}
		for (KeyLane lane : this.lanes.values()) {
			synchronized (lane) {
				lane.forEachWaiting((write) -> {
					if (write.claim(State.WAITING, State.DONE) || write.claim(State.SENDING, State.DONE)) {
						giveUpAtShutdown(write, effects);
					}
				});
				lane.purge();
				retireIfIdle(lane);
			}
		}
		effects.run();
		return queued;
	}

	/**
	 * Shut down (see {@link #close()}); the recovery processor, if any, has drained the
	 * queue for up to its shutdown timeout before.
	 */
	@Override
	public void destroy() {
		close();
	}

	// ---- arrival ----------------------------------------------------------------------------

	private void submit(PendingWrite write) {
		Effects effects = new Effects();
		boolean sendNow = false;
		while (true) {
			KeyLane lane = this.lanes.computeIfAbsent(write.key(), KeyLane::new);
			synchronized (lane) {
				if (lane.retired) {
					continue;
				}
				// taken under the key's lock: issue order is the order writes reach their lane
				write.sequence = this.sequence.incrementAndGet();
				write.lane = lane;
				if (this.closed) {
					write.claim(State.SENDING, State.DONE);
					giveUpAtShutdown(write, effects);
				}
				else if (!lane.blocksNewWrites()) {
					lane.inFlight.addLast(write);
					sendNow = true;
				}
				else {
					arriveBehind(lane, write, effects);
				}
				retireIfIdle(lane);
			}
			break;
		}
		effects.run();
		if (sendNow) {
			send(write);
		}
	}

	/** A write arrives while earlier writes to its key wait: it waits too, by its handling. */
	private void arriveBehind(KeyLane lane, PendingWrite write, Effects effects) {
		boolean circuitClosed = this.circuitBreaker.getState() == CircuitBreaker.State.CLOSED;
		switch (write.handling) {
			case DROP -> {
				write.claim(State.SENDING, State.DONE);
				this.outcomes.dropped(write, DropReason.LOW_PRIORITY, null, effects);
			}
			case QUEUE -> enqueue(lane, write, null, effects);
			case CALL, RETRY -> {
				if (!circuitClosed) {
					notWaiting(lane, write, effects);
					return;
				}
				lane.addWaiting(write);
				write.claim(State.SENDING, State.WAITING);
				long budget = write.retryPolicy.totalBackoff().toNanos();
				schedule(() -> waitedLongEnough(lane, write), Math.max(budget, TimeUnit.SECONDS.toNanos(1)));
				// Redis takes writes: try the key's waiting writes now rather than at the next round
				effects.add(() -> replay(lane.key, false));
			}
		}
	}

	/**
	 * A write without a priority, or a CRITICAL one, that cannot wait behind its key's
	 * earlier writes: the first fails (as its retries would), the second is queued.
	 */
	private void notWaiting(KeyLane lane, PendingWrite write, Effects effects) {
		if (write.handling == Handling.RETRY) {
			enqueue(lane, write, null, effects);
			return;
		}
		write.claim(State.SENDING, State.DONE);
		RedisCircuitOpenException rejected = new RedisCircuitOpenException(
				write.write.command() + " (its key has writes waiting for replay)", this.circuitBreaker.getName(),
				this.circuitBreaker.getState());
		this.outcomes.failed(write, rejected, false, effects);
	}

	private void waitedLongEnough(KeyLane lane, PendingWrite write) {
		Effects effects = new Effects();
		synchronized (lane) {
			if (write.queued || !write.claim(State.WAITING, State.SENDING)) {
				return;
			}
			lane.removeWaiting(write);
			if (write.handling == Handling.RETRY) {
				enqueue(lane, write, null, effects);
			}
			else {
				write.claim(State.SENDING, State.DONE);
				this.outcomes.failed(write, new TransientDataAccessResourceException(write.write.command()
						+ " was not applied: it waited longer than its retries would have taken behind earlier "
						+ "writes to its key that Redis has not taken yet"), false, effects);
			}
			retireIfIdle(lane);
		}
		effects.run();
	}

	/** The breaker opened: writes waiting for a retry stop waiting (I1: no wasted wait). */
	private void circuitOpened() {
		for (KeyLane lane : this.lanes.values()) {
			Effects effects = new Effects();
			synchronized (lane) {
				List<PendingWrite> retrying = new ArrayList<>();
				lane.forEachWaiting((write) -> {
					if (!write.queued && write.state() == State.WAITING) {
						retrying.add(write);
					}
				});
				for (PendingWrite write : retrying) {
					if (write.claim(State.WAITING, State.SENDING)) {
						lane.removeWaiting(write);
						notWaiting(lane, write, effects);
					}
				}
				retireIfIdle(lane);
			}
			effects.run();
		}
	}

	// ---- sending and replies ------------------------------------------------------------------

	private CompletableFuture<Boolean> send(PendingWrite write) {
		CompletableFuture<Object> reply;
		try {
			reply = this.sender.send(write.toSend);
			if (reply == null) {
				reply = CompletableFuture.failedFuture(new IllegalStateException("The sender returned no future"));
			}
		}
		catch (RuntimeException ex) {
			reply = CompletableFuture.failedFuture(ex);
		}
		return reply.handle((value, error) -> completed(write, value, unwrap(error)));
	}

	private boolean completed(PendingWrite write, @Nullable Object value, @Nullable Throwable error) {
		KeyLane lane = write.lane;
		Effects effects = new Effects();
		PendingWrite next;
		synchronized (lane) {
			lane.removeInFlight(write);
			if (error == null) {
				write.claim(State.SENDING, State.DONE);
				fold(lane, write);
				this.outcomes.applied(write, value, effects);
			}
			else {
				failed(lane, write, error);
			}
			decideSettled(lane, effects);
			next = (error == null) ? nextToSend(lane, true) : null;
			retireIfIdle(lane);
		}
		effects.run();
		if (next != null) {
			send(next);
		}
		return error == null;
	}

	/** Fold an applied write into the earlier failed writes of its key that wait to be decided. */
	private static void fold(KeyLane lane, PendingWrite applied) {
		lane.forEachWaiting((earlier) -> {
			if (earlier.undecided && earlier.sequence < applied.sequence && !earlier.superseded
					&& !earlier.conflicted) {
				WriteConflicts.Residual residual = WriteConflicts.residual(earlier.toSend, applied.toSend);
				switch (residual.kind()) {
					case SUPERSEDED -> earlier.superseded = true;
					case CONFLICT -> earlier.conflicted = true;
					case TRIMMED -> earlier.toSend = residual.write();
					default -> {
					}
				}
			}
		});
	}

	private void failed(KeyLane lane, PendingWrite write, Throwable error) {
		boolean rejected = RedisFaultClassifier.isRejection(error);
		if (!rejected && !write.probe) {
			write.attempts++;
		}
		write.probe = false;
		write.lastError = error;
		write.lastFault = this.classifier.classify(error);
		write.lastRejected = rejected;
		write.lastNeverSent = rejected || RedisFaultClassifier.isNeverSent(error);
		write.undecided = true;
		lane.addWaiting(write);
	}

	/** Decide on every failed write of the lane that no later write in flight can change. */
	private void decideSettled(KeyLane lane, Effects effects) {
		List<PendingWrite> settled = new ArrayList<>(1);
		lane.forEachWaiting((write) -> {
			if (write.undecided && !lane.hasInFlightAfter(write.sequence)) {
				settled.add(write);
			}
		});
		for (PendingWrite write : settled) {
			write.undecided = false;
			decide(lane, write, effects);
		}
	}

	private void decide(KeyLane lane, PendingWrite write, Effects effects) {
		Throwable error = write.lastError;
		if (write.superseded || write.conflicted) {
			lane.removeWaiting(write);
			write.claim(State.SENDING, State.DONE);
			if (write.superseded) {
				this.outcomes.dropped(write, DropReason.SUPERSEDED, error, effects);
			}
			else {
				this.outcomes.failed(write, new TransientDataAccessResourceException(write.write.command()
						+ " was not applied: it failed, and a later write to its key that it cannot be applied after "
						+ "was applied meanwhile", error), false, effects);
			}
			return;
		}
		Decision decision = FailureDecision.decide(write, write.lastFault, write.lastRejected, write.lastNeverSent,
				this.closed, this.queueEnabled, this.maxQueuedAttempts);
		if (decision.reason() == DropReason.ATTEMPTS_EXHAUSTED && this.queue.hasLessImportantThan(write.priority)) {
			// I4: less important writes are given up first
			decision = Decision.QUEUE;
		}
		switch (decision.action()) {
			case RETRY -> {
				long delay = write.retryPolicy.backoff(write.attempts).toNanos();
				write.notBeforeNanos = this.nanoTime.getAsLong() + delay;
				this.outcomes.retried(write);
				write.claim(State.SENDING, State.WAITING);
				schedule(() -> replay(lane.key, false, true), delay);
			}
			case QUEUE -> {
				if (write.queued && !write.lastRejected) {
					this.outcomes.retried(write);
				}
				enqueue(lane, write, error, effects);
			}
			case DROP -> {
				lane.removeWaiting(write);
				write.claim(State.SENDING, State.DONE);
				DropReason reason = (decision.reason() == DropReason.SHUTDOWN) ? WriteOutcomes.atShutdown(write)
						: decision.reason();
				this.outcomes.dropped(write, reason, error, effects);
			}
			default -> {
				lane.removeWaiting(write);
				write.claim(State.SENDING, State.DONE);
				this.outcomes.failed(write, error, decision.action() == FailureDecision.Action.FAIL_AMBIGUOUS,
						effects);
			}
		}
	}

	/**
	 * Put a write the caller owns into the recovery queue (and its lane), answering
	 * {@code QUEUED} the first time; with a journal, an idempotent write is journaled
	 * first and answered once the journal committed it. A refused write is given up.
	 */
	private void enqueue(KeyLane lane, PendingWrite write, @Nullable Throwable cause, Effects effects) {
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
			else if (this.closed) {
				lane.removeWaiting(write);
				write.claim(State.SENDING, State.DONE);
				this.outcomes.dropped(write, DropReason.SHUTDOWN, cause, effects);
			}
			else {
				admit(lane, write, cause, effects);
			}
			retireIfIdle(lane);
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
		List<PendingWrite> evicted = new ArrayList<>(1);
		boolean admitted = this.queue.offer(write, evicted);
		if (!admitted) {
			lane.removeWaiting(write);
			write.claim(State.SENDING, State.DONE);
			if (answer) {
				// never in the queue: the caller's first answer is the drop
				write.queued = false;
				write.settlement = null;
			}
			this.outcomes.dropped(write, this.closed ? WriteOutcomes.atShutdown(write) : DropReason.CAPACITY, cause,
					effects);
		}
		else if (answer && write.outcome != null) {
			this.outcomes.queued(write, cause, effects);
		}
		for (PendingWrite victim : evicted) {
			this.outcomes.dropped(victim, DropReason.CAPACITY, victim.lastError, effects);
			effects.add(() -> purge(victim));
		}
	}

	/**
	 * Take back the writes the journal kept from the last run, in their order, as queued
	 * writes (waiting for the recovery processor), ahead of every new write: a new write to
	 * one of their keys waits behind them. To be called once, before the first write.
	 * @return how many writes were taken back
	 */
	public int recover() {
		if (this.journal == null) {
			return 0;
		}
		List<JournalEntry> entries = this.journal.recover();
		long newest = 0;
		for (JournalEntry entry : entries) {
			newest = Math.max(newest, entry.sequence());
		}
		// new writes are journaled under their sequence: above every kept one
		this.sequence.accumulateAndGet(newest, Math::max);
		long now = this.nanoTime.getAsLong();
		long wallNow = System.currentTimeMillis();
		Effects effects = new Effects();
		for (JournalEntry entry : entries) {
			long ageNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(0, wallNow - entry.createdEpochMillis()));
			PendingWrite write = new PendingWrite(entry.write(), Handling.of(entry.priority()), entry.priority(),
					now - ageNanos, null, null, null);
			KeyLane lane = this.lanes.computeIfAbsent(write.key(), KeyLane::new);
			synchronized (lane) {
				write.sequence = this.sequence.incrementAndGet();
				write.lane = lane;
				write.journalId = entry.sequence();
				lane.addWaiting(write);
				admit(lane, write, null, effects);
				retireIfIdle(lane);
			}
		}
		effects.run();
		if (!entries.isEmpty()) {
			logger.info(LogMessage.format("Took back %d queued writes that the recovery journal kept from the last run; "
					+ "they are replayed before newer writes to their keys", entries.size()));
		}
		return entries.size();
	}

	/**
	 * The lane's oldest waiting write, claimed and moved in flight, if it may be sent now:
	 * nothing of the key in flight, decided, and its backoff over (or known to be over:
	 * its timer fired, or Redis just applied the key's previous write).
	 */
	@Nullable
	private PendingWrite nextToSend(KeyLane lane, boolean backoffOver) {
		while (!this.closed) {
			PendingWrite head = lane.head();
			if (head == null || !lane.inFlight.isEmpty() || head.undecided || head.state() != State.WAITING) {
				return null;
			}
			if (!backoffOver && head.notBeforeNanos - this.nanoTime.getAsLong() > 0) {
				return null;
			}
			boolean claimed = head.queued ? this.queue.claimForSend(head) : head.claim(State.WAITING, State.SENDING);
			if (claimed) {
				return lane.sendHead();
			}
		}
		return null;
	}

	private void giveUpAtShutdown(PendingWrite write, Effects effects) {
		if (write.handling == Handling.CALL) {
			this.outcomes.failed(write, new TransientDataAccessResourceException(
					write.write.command() + " was not applied: the Redis template is shut down"), false, effects);
		}
		else {
			this.outcomes.dropped(write, WriteOutcomes.atShutdown(write), write.lastError, effects);
		}
	}

	private void purge(PendingWrite write) {
		KeyLane lane = write.lane;
		synchronized (lane) {
			lane.purge();
			retireIfIdle(lane);
		}
	}

	private void retireIfIdle(KeyLane lane) {
		if (lane.isIdle() && !lane.retired) {
			lane.retired = true;
			this.lanes.remove(lane.key, lane);
		}
	}

	private void schedule(Runnable task, long delayNanos) {
		try {
			this.scheduler.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
		}
		catch (RejectedExecutionException ex) {
			// shut down: close() gives up what waits
		}
	}

	@Nullable
	private static Throwable unwrap(@Nullable Throwable error) {
		Throwable current = error;
		while (current instanceof CompletionException && current.getCause() != null) {
			current = current.getCause();
		}
		return current;
	}

}
