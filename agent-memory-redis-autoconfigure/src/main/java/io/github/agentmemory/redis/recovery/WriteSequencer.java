package io.github.agentmemory.redis.recovery;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

import io.github.agentmemory.redis.command.DropReason;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.resilience.RedisCircuitOpenException;
import io.github.agentmemory.redis.resilience.RedisFault;
import io.github.agentmemory.redis.resilience.RedisFaultClassifier;
import io.github.agentmemory.redis.resilience.RetryPolicy;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.core.log.LogMessage;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.lang.Nullable;
import org.springframework.util.Assert;

/**
 * Applies writes so that writes to one key take effect in the order they were issued,
 * also across retries, outages and replays, and holds the writes that could not be
 * applied at once: the recovery queue.
 *
 * <h2>Per-key lanes</h2> A write to a key with nothing waiting is sent at once. A write
 * that fails with a recoverable error and is to be tried again waits in its key's
 * <em>lane</em>, in issue order; while a lane holds anything, new writes to that key wait
 * behind it instead of overtaking it. A lane's head is sent only when no other write to
 * the key is in flight. When a newer write to a key has already been applied, an older
 * one is never applied after it: it is dropped as {@link DropReason#SUPERSEDED}.
 *
 * <h2>What happens to a failed write</h2>
 * <ul>
 * <li>without a priority: retried with the default policy if idempotent, then the error
 * goes to the caller;</li>
 * <li>{@link Priority#CRITICAL}: retried at once with backoff (its own policy); when the
 * circuit is open or Redis is out of memory it is queued, when its attempts are
 * exhausted the caller gets {@code FAILED};</li>
 * <li>{@link Priority#HIGH} and {@link Priority#NORMAL}: queued for the
 * {@link RecoveryProcessor};</li>
 * <li>{@link Priority#LOW}: dropped and counted.</li>
 * </ul>
 * Permanent errors are never retried or queued. The queue is bounded by
 * {@link RecoverySettings#capacity()}: the oldest write of the lowest priority makes
 * room, and a write is never evicted for a less important one.
 *
 * @author agent-memory-redis
 */
public class WriteSequencer {

	private static final Log logger = LogFactory.getLog(WriteSequencer.class);

	private static final int STRIPE_BITS = 6;

	private static final int STRIPES = 1 << STRIPE_BITS;

	private final Stripe[] stripes = new Stripe[STRIPES];

	private final Function<RedisWrite, CompletableFuture<Object>> sender;

	private final CircuitBreaker circuitBreaker;

	private final ScheduledExecutorService scheduler;

	private final RedisFaultClassifier classifier;

	private final RetryPolicy defaultRetryPolicy;

	private final RecoverySettings settings;

	private final LongSupplier nanoTime;

	private final PriorityIndex index;

	private final AtomicLong sequence = new AtomicLong();

	private final Counters counters = new Counters();

	private final List<RecoveryListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

	private final DropLog dropLog;

	/** Set on shutdown: a write that would wait from now on is given up instead. */
	private volatile boolean closed;

	/**
	 * Create a new sequencer.
	 * @param sender sends one write through the circuit breaker, without retries
	 * @param circuitBreaker the circuit breaker the sender goes through
	 * @param scheduler where retries are scheduled
	 * @param classifier decides whether an error is worth trying again
	 * @param defaultRetryPolicy retry policy of writes issued without a priority and of
	 * CRITICAL writes without their own
	 * @param settings the recovery queue's settings
	 * @param nanoTime the monotonic clock (for tests)
	 */
	public WriteSequencer(Function<RedisWrite, CompletableFuture<Object>> sender, CircuitBreaker circuitBreaker,
			ScheduledExecutorService scheduler, RedisFaultClassifier classifier, RetryPolicy defaultRetryPolicy,
			RecoverySettings settings, LongSupplier nanoTime) {
		Assert.notNull(sender, "'sender' must not be null");
		Assert.notNull(circuitBreaker, "'circuitBreaker' must not be null");
		Assert.notNull(scheduler, "'scheduler' must not be null");
		Assert.notNull(classifier, "'classifier' must not be null");
		Assert.notNull(defaultRetryPolicy, "'defaultRetryPolicy' must not be null");
		Assert.notNull(settings, "'settings' must not be null");
		Assert.notNull(nanoTime, "'nanoTime' must not be null");
		this.sender = sender;
		this.circuitBreaker = circuitBreaker;
		this.scheduler = scheduler;
		this.classifier = classifier;
		this.defaultRetryPolicy = defaultRetryPolicy;
		this.settings = settings;
		this.nanoTime = nanoTime;
		this.index = new PriorityIndex(settings.capacity());
		this.dropLog = new DropLog(nanoTime, settings.capacity());
		for (int i = 0; i < STRIPES; i++) {
			this.stripes[i] = new Stripe();
		}
	}

	/**
	 * The circuit breaker writes go through.
	 * @return the circuit breaker
	 */
	CircuitBreaker getCircuitBreaker() {
		return this.circuitBreaker;
	}

	/**
	 * Register a listener, for metrics.
	 * @param listener the listener
	 */
	public void addListener(RecoveryListener listener) {
		Assert.notNull(listener, "'listener' must not be null");
		this.listeners.add(listener);
	}

	/**
	 * The queue's settings.
	 * @return the settings
	 */
	public RecoverySettings getSettings() {
		return this.settings;
	}

	/**
	 * Apply a write issued without a priority.
	 * @param write the write
	 * @return the raw reply, or the error once retries are over
	 */
	public CompletableFuture<Object> write(RedisWrite write) {
		CompletableFuture<Object> reply = new CompletableFuture<>();
		PendingWrite pending = new PendingWrite(write, Priority.NORMAL, this.sequence.incrementAndGet(),
				this.nanoTime.getAsLong(), PendingWrite.PLAIN,
				write.idempotent() ? this.defaultRetryPolicy : RetryPolicy.none(), null, reply);
		submit(pending);
		return reply;
	}

	/**
	 * Apply a write with a priority.
	 * @param write the write
	 * @param priority how to handle it if it cannot be applied at once
	 * @param retryPolicy for {@code CRITICAL} writes, the retries; {@code null} for the
	 * default
	 * @return the outcome: {@code APPLIED}, {@code QUEUED}, {@code DROPPED} or
	 * {@code FAILED}
	 */
	public CompletableFuture<WriteOutcome> write(RedisWrite write, Priority priority,
			@Nullable RetryPolicy retryPolicy) {
		Assert.notNull(write, "'write' must not be null");
		Assert.notNull(priority, "'priority' must not be null");
		CompletableFuture<WriteOutcome> outcome = new CompletableFuture<>();
		RetryPolicy policy = (priority != Priority.CRITICAL) ? null
				: (retryPolicy != null) ? retryPolicy : this.defaultRetryPolicy;
		PendingWrite pending = new PendingWrite(write, priority, this.sequence.incrementAndGet(),
				this.nanoTime.getAsLong(), (priority == Priority.CRITICAL) ? PendingWrite.RETRYING : PendingWrite.QUEUED,
				policy, outcome, null);
		submit(pending);
		return outcome;
	}

	/**
	 * What waits now and what happened so far.
	 * @return a snapshot
	 */
	public RecoveryStats stats() {
		return new RecoveryStats(this.index.sizes(), this.counters.enqueued(), this.counters.replayed(),
				this.counters.dropped(), this.counters.retries.sum());
	}

	/**
	 * Number of writes waiting now.
	 * @return the size
	 */
	public int size() {
		return this.index.size();
	}

	// ---- submission ---------------------------------------------------------------------

	private void submit(PendingWrite write) {
		Stripe stripe = stripe(write.key());
		Completions completions = new Completions();
		boolean sendNow = false;
		synchronized (stripe) {
			KeyState state = state(stripe, write.key());
			if (state != null && state.hasLane()) {
				waitBehindLane(state, write, completions);
				removeIfIdle(stripe, write.key(), state);
			}
			else {
				if (state == null) {
					state = new KeyState();
					stripe.keys.put(write.key(), state);
				}
				state.inFlight++;
				write.setState(PendingWrite.SENDING);
				sendNow = true;
			}
		}
		completions.run();
		if (sendNow) {
			send(write, false).whenComplete((more, ex) -> {
				if (Boolean.TRUE.equals(more)) {
					drainLane(write.key());
				}
			});
		}
	}

	private void waitBehindLane(KeyState state, PendingWrite write, Completions completions) {
		if (this.closed) {
			drop(write, DropReason.SHUTDOWN, null, completions);
			return;
		}
		if (write.priority == Priority.LOW && write.mode != PendingWrite.PLAIN) {
			drop(write, DropReason.LOW_PRIORITY, null, completions);
			return;
		}
		if (write.mode == PendingWrite.PLAIN && this.circuitBreaker.getState() != CircuitBreaker.State.CLOSED) {
			RedisCircuitOpenException rejected = new RedisCircuitOpenException(
					write.write.command() + " (its key has writes waiting for replay)", this.circuitBreaker.getName(),
					this.circuitBreaker.getState());
			completions.add(() -> write.reply.completeExceptionally(rejected));
			return;
		}
		if (write.mode == PendingWrite.RETRYING) {
			write.mode = PendingWrite.QUEUED;
		}
		state.addLast(write);
		enqueue(state, write, null, completions);
		if (write.mode == PendingWrite.PLAIN && !write.isDone()) {
			// its caller waits for the reply: no longer than its own retries would have taken
			long deadline = plainDeadlineNanos();
			completions.add(() -> schedule(() -> giveUpWaiting(write, deadline), deadline));
		}
	}

	/**
	 * How long a write without a priority may wait behind its key's queued writes: as long
	 * as its retries could have taken (at least a second).
	 */
	private long plainDeadlineNanos() {
		long nanos = 0;
		for (int retry = 1; retry <= this.defaultRetryPolicy.getMaxAttempts(); retry++) {
			nanos += this.defaultRetryPolicy.intervalBefore(retry).toNanos();
		}
		return Math.max(nanos, TimeUnit.SECONDS.toNanos(1));
	}

	private void giveUpWaiting(PendingWrite write, long waitedNanos) {
		if (!write.claim(PendingWrite.WAITING, PendingWrite.DONE)) {
			return;
		}
		this.index.remove(write);
		// a failed call reported to its caller, like any other failed write without a priority
		write.reply.completeExceptionally(new TransientDataAccessResourceException(write.write.command()
				+ " was not applied: it waited " + TimeUnit.NANOSECONDS.toMillis(waitedNanos)
				+ " ms behind earlier writes to its key that Redis has not taken yet"));
		purge(write.key());
	}

	// ---- sending ----------------------------------------------------------------------------

	/**
	 * Send one write and handle its reply.
	 * @return completes with whether its lane should go on draining
	 */
	private CompletableFuture<Boolean> send(PendingWrite write, boolean fromLane) {
		CompletableFuture<Object> reply;
		try {
			reply = this.sender.apply(write.write);
		}
		catch (RuntimeException ex) {
			reply = CompletableFuture.failedFuture(ex);
		}
		return reply.handle((value, error) -> completed(write, value, unwrap(error), fromLane));
	}

	private boolean completed(PendingWrite write, @Nullable Object value, @Nullable Throwable error,
			boolean fromLane) {
		Stripe stripe = stripe(write.key());
		Completions completions = new Completions();
		boolean more;
		synchronized (stripe) {
			KeyState state = state(stripe, write.key());
			state.inFlight--;
			if (error == null) {
				applied(state, write, value, fromLane, completions);
			}
			else {
				failed(state, write, error, fromLane, completions);
			}
			more = write.isDone() && state.hasLane();
			removeIfIdle(stripe, write.key(), state);
		}
		completions.run();
		return more;
	}

	private void applied(KeyState state, PendingWrite write, @Nullable Object value, boolean fromLane,
			Completions completions) {
		boolean wasQueued = write.indexed;
		state.lastApplied = Math.max(state.lastApplied, write.sequence);
		if (fromLane) {
			state.remove(write);
			this.index.remove(write);
		}
		write.setState(PendingWrite.DONE);
		if (!fromLane && state.hasLane()) {
			// anything older still waiting would now overwrite newer data (a lane's head is
			// its oldest write, so only a write sent directly can overtake waiting ones)
			state.removeIf((older) -> {
				if (older.isDone()) {
					return true;
				}
				if (older.sequence < write.sequence && older.claim(PendingWrite.WAITING, PendingWrite.DONE)) {
					this.index.remove(older);
					drop(older, DropReason.SUPERSEDED, null, completions);
					return true;
				}
				return false;
			});
		}
		if (wasQueued) {
			this.counters.replayed(write.priority);
			notifyListeners((listener) -> listener.replayed(write.priority));
		}
		if (write.reply != null) {
			completions.add(() -> write.reply.complete(value));
		}
		else {
			CompletableFuture<WriteOutcome> outcome = write.outcome;
			completions.add(() -> outcome.complete(WriteOutcome.applied(write.write)));
		}
	}

	private void failed(KeyState state, PendingWrite write, Throwable error, boolean fromLane,
			Completions completions) {
		RedisFault fault = this.classifier.classify(error);
		boolean rejected = error instanceof RedisCircuitOpenException;
		write.lastError = lastError(write, error);
		if (!rejected) {
			write.attempts++;
		}
		Decision decision = decide(write, fault, rejected);
		if (decision == Decision.WAIT && (state.lastApplied > write.sequence || newerIsSending(state, write))) {
			decision = Decision.SUPERSEDED;
		}
		if (decision == Decision.WAIT && this.closed) {
			decision = Decision.DROP_SHUTDOWN;
		}
		if (decision != Decision.WAIT) {
			if (fromLane) {
				state.remove(write);
				this.index.remove(write);
			}
			finish(write, decision, error, completions);
			return;
		}
		if (!fromLane) {
			state.insertInOrder(write);
		}
		// from here on the queue's housekeeping may give the write up (see PendingWrite#claim)
		write.setState(PendingWrite.WAITING);
		if (write.mode == PendingWrite.QUEUED) {
			write.notBeforeNanos = 0;
			if (fromLane) {
				this.counters.retries.increment();
				notifyListeners((listener) -> listener.retried(write.priority));
			}
			enqueue(state, write, error, completions);
		}
		else {
			retryLater(state, write, completions);
		}
	}

	private Decision decide(PendingWrite write, RedisFault fault, boolean rejected) {
		if (!fault.isRecoverable()) {
			return Decision.FAIL;
		}
		if (!rejected && !write.write.idempotent()) {
			return (write.mode == PendingWrite.QUEUED && write.settling) ? Decision.DROP_NOT_RETRYABLE
					: Decision.FAIL;
		}
		if (write.mode == PendingWrite.PLAIN) {
			boolean retry = !rejected && fault == RedisFault.TRANSIENT
					&& write.attempts <= write.retryPolicy.getMaxAttempts();
			return retry ? Decision.WAIT : Decision.FAIL;
		}
		if (write.priority == Priority.LOW) {
			return Decision.DROP_LOW;
		}
		if (write.mode == PendingWrite.RETRYING) {
			if (!rejected && fault == RedisFault.TRANSIENT) {
				return (write.attempts <= write.retryPolicy.getMaxAttempts()) ? Decision.WAIT : Decision.FAIL;
			}
			// an open circuit or a full Redis: keep the write for the recovery processor
			write.mode = PendingWrite.QUEUED;
		}
		if (!this.settings.enabled()) {
			return Decision.DROP_DISABLED;
		}
		if (write.settling && write.attempts >= this.settings.maxAttempts()) {
			return Decision.DROP_EXHAUSTED;
		}
		return Decision.WAIT;
	}

	private void finish(PendingWrite write, Decision decision, Throwable error, Completions completions) {
		switch (decision) {
			case SUPERSEDED -> drop(write, DropReason.SUPERSEDED, error, completions);
			case DROP_LOW -> drop(write, DropReason.LOW_PRIORITY, error, completions);
			case DROP_DISABLED -> drop(write, DropReason.QUEUE_DISABLED, error, completions);
			case DROP_EXHAUSTED -> drop(write, DropReason.ATTEMPTS_EXHAUSTED, error, completions);
			case DROP_NOT_RETRYABLE -> drop(write, DropReason.NOT_RETRYABLE, error, completions);
			case DROP_SHUTDOWN -> drop(write, DropReason.SHUTDOWN, error, completions);
			default -> {
				if (write.settling) {
					drop(write, DropReason.PERMANENT_ERROR, error, completions);
				}
				else {
					fail(write, error, completions);
				}
			}
		}
	}

	/**
	 * Count a write into the queue (evicting if full) and, for a priority write, tell the
	 * caller it is queued.
	 */
	private void enqueue(KeyState state, PendingWrite write, @Nullable Throwable cause, Completions completions) {
		CompletableFuture<WriteOutcome> told = null;
		CompletableFuture<WriteOutcome> settlement = null;
		if (write.mode == PendingWrite.QUEUED && !write.settling) {
			// the write keeps only the settlement, set before the queue can see (and evict) it;
			// the caller reaches it through the QUEUED outcome
			told = write.outcome;
			settlement = new CompletableFuture<>();
			write.outcome = settlement;
			write.settling = true;
		}
		if (!write.indexed && !admit(write, completions)) {
			state.remove(write);
			if (told != null) {
				CompletableFuture<WriteOutcome> first = told;
				settlement.whenComplete((dropped, ex) -> first.complete(dropped));
			}
			return;
		}
		if (told != null) {
			CompletableFuture<WriteOutcome> first = told;
			CompletableFuture<WriteOutcome> last = settlement;
			completions.add(() -> first.complete(WriteOutcome.queued(write.write, cause, last)));
		}
	}

	private void retryLater(KeyState state, PendingWrite write, Completions completions) {
		long delay = write.retryPolicy.intervalBefore(write.attempts).toNanos();
		delay = (long) (delay * (1 + write.retryPolicy.getJitter() * (ThreadLocalRandom.current().nextDouble() * 2 - 1)));
		write.notBeforeNanos = this.nanoTime.getAsLong() + delay;
		this.counters.retries.increment();
		Priority priority = (write.mode == PendingWrite.PLAIN) ? null : write.priority;
		notifyListeners((listener) -> listener.retried(priority));
		if (!write.indexed && !admit(write, completions)) {
			state.remove(write);
			return;
		}
		long delayNanos = delay;
		String key = write.key();
		completions.add(() -> schedule(key, delayNanos));
	}

	private void schedule(String key, long delayNanos) {
		schedule(() -> drainLane(key), delayNanos);
	}

	private void schedule(Runnable task, long delayNanos) {
		try {
			this.scheduler.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
		}
		catch (RejectedExecutionException ex) {
			logger.debug("Scheduler is shut down; the recovery processor will pick up the lane", ex);
		}
	}

	// ---- lanes ------------------------------------------------------------------------------

	/**
	 * Send the writes waiting for a key, one after the other, while they succeed.
	 * @param key the key
	 * @return completes with {@code false} when a write failed, {@code true} otherwise
	 * (the lane is empty, or its head must wait: another write to the key is in flight,
	 * or a retry's backoff is not over)
	 */
	CompletableFuture<Boolean> drainLane(String key) {
		Stripe stripe = stripe(key);
		PendingWrite head;
		synchronized (stripe) {
			KeyState state = state(stripe, key);
			if (state == null || !state.hasLane()) {
				return CompletableFuture.completedFuture(true);
			}
			head = state.peekFirst();
			while (true) {
				while (head != null && head.isDone()) {
					state.pollFirst();
					head = state.peekFirst();
				}
				if (head == null) {
					removeIfIdle(stripe, key, state);
					return CompletableFuture.completedFuture(true);
				}
				if (state.inFlight > 0 || head.isSending() || head.notBeforeNanos - this.nanoTime.getAsLong() > 0) {
					removeIfIdle(stripe, key, state);
					return CompletableFuture.completedFuture(true);
				}
				if (head.claim(PendingWrite.WAITING, PendingWrite.SENDING)) {
					break;
				}
				// given up by the queue's housekeeping meanwhile: look at the next one
			}
			state.inFlight++;
		}
		PendingWrite sent = head;
		return send(sent, true).thenCompose((more) -> {
			if (!sent.isDone()) {
				return CompletableFuture.completedFuture(false);
			}
			return more ? drainLane(key) : CompletableFuture.completedFuture(true);
		});
	}

	private static boolean newerIsSending(KeyState state, PendingWrite write) {
		return state.anyMatch((other) -> other.isSending() && other.sequence > write.sequence);
	}

	/**
	 * Forget an idle key, or keep a key whose only state is one waiting write as that
	 * write alone (no {@link KeyState}: most queued keys hold one write while Redis is
	 * down). Only a state that has nothing in flight and has applied nothing is kept that
	 * way, so {@link #state(Stripe, String)} gives back the same state.
	 */
	private static void removeIfIdle(Stripe stripe, String key, KeyState state) {
		if (state.inFlight == 0) {
			if (!state.hasLane()) {
				stripe.keys.remove(key);
			}
			else if (state.lastApplied == 0 && state.lane instanceof PendingWrite single) {
				stripe.keys.put(key, single);
			}
		}
	}

	/**
	 * A key's state, {@code null} when it has none; a key kept as its one waiting write
	 * gets its {@link KeyState} back.
	 */
	@Nullable
	private static KeyState state(Stripe stripe, String key) {
		Object value = stripe.keys.get(key);
		if (value instanceof PendingWrite single) {
			KeyState state = new KeyState();
			state.lane = single;
			stripe.keys.put(key, state);
			return state;
		}
		return (KeyState) value;
	}

	// ---- queue bookkeeping --------------------------------------------------------------------

	/**
	 * Add a write to the queue, evicting another if it is full.
	 * @return {@code false} if the write itself was refused (and given up)
	 */
	private boolean admit(PendingWrite write, Completions completions) {
		PendingWrite evicted = this.index.add(write);
		boolean admitted = evicted != write;
		if (admitted) {
			this.counters.enqueued(write.priority);
			notifyListeners((listener) -> listener.enqueued(write.priority));
		}
		if (evicted != null) {
			evict(evicted, completions);
		}
		return admitted;
	}

	private void evict(PendingWrite evicted, Completions completions) {
		drop(evicted, DropReason.CAPACITY, lastError(evicted), completions);
		String key = evicted.key();
		// its lane may belong to another stripe: remove it there, never under this lock
		completions.add(() -> purge(key));
	}

	private void purge(String key) {
		Stripe stripe = stripe(key);
		synchronized (stripe) {
			KeyState state = state(stripe, key);
			if (state != null) {
				state.removeIf(PendingWrite::isDone);
				removeIfIdle(stripe, key, state);
			}
		}
	}

	/**
	 * Give up the writes that waited longer than the maximum age.
	 * @return how many were given up
	 */
	int expire() {
		long oldest = this.nanoTime.getAsLong() - this.settings.maxAge().toNanos();
		List<PendingWrite> expired = this.index.removeExpired(oldest);
		if (expired.isEmpty()) {
			return 0;
		}
		Completions completions = new Completions();
		for (PendingWrite write : expired) {
			drop(write, DropReason.EXPIRED, lastError(write), completions);
			String key = write.key();
			completions.add(() -> purge(key));
		}
		logger.warn(LogMessage.format("Dropped %d writes that waited longer than %s for Redis", expired.size(),
				this.settings.maxAge()));
		completions.run();
		return expired.size();
	}

	/**
	 * Give up every waiting write, for shutdown.
	 * @return the number given up, per priority
	 */
	Map<Priority, Integer> dropAll() {
		this.closed = true;
		List<PendingWrite> remaining = this.index.removeAll();
		Map<Priority, Integer> counts = new EnumMap<>(Priority.class);
		Completions completions = new Completions();
		for (PendingWrite write : remaining) {
			counts.merge(write.priority, 1, Integer::sum);
			drop(write, DropReason.SHUTDOWN, lastError(write), completions);
			String key = write.key();
			completions.add(() -> purge(key));
		}
		completions.run();
		return counts;
	}

	/**
	 * Keys with waiting writes, most important first.
	 * @param limit most keys
	 * @return the keys
	 */
	List<String> keysToReplay(int limit) {
		return this.index.keysByPriority(limit, this.nanoTime.getAsLong());
	}

	// ---- outcomes ------------------------------------------------------------------------------

	private void drop(PendingWrite write, DropReason reason, @Nullable Throwable cause, Completions completions) {
		write.setState(PendingWrite.DONE);
		this.counters.dropped(reason);
		notifyListeners((listener) -> listener.dropped(write.priority, reason));
		if (reason != DropReason.EXPIRED && reason != DropReason.SHUTDOWN) {
			this.dropLog.dropped(write, reason, cause);
		}
		WriteOutcome dropped = WriteOutcome.dropped(write.write, reason, cause);
		CompletableFuture<WriteOutcome> outcome = write.outcome;
		if (outcome != null) {
			completions.add(() -> outcome.complete(dropped));
		}
		else if (write.reply != null) {
			DataAccessException error = new TransientDataAccessResourceException(write.write.command()
					+ " was not applied: " + reason + ((cause != null) ? " (" + cause.getMessage() + ")" : ""), cause);
			completions.add(() -> write.reply.completeExceptionally(error));
		}
	}

	private void fail(PendingWrite write, Throwable error, Completions completions) {
		write.setState(PendingWrite.DONE);
		CompletableFuture<WriteOutcome> outcome = write.outcome;
		if (outcome != null) {
			completions.add(() -> outcome.complete(WriteOutcome.failed(write.write, error)));
		}
		else {
			completions.add(() -> write.reply.completeExceptionally(error));
		}
	}

	/**
	 * What to keep of a write's last error: a plain rejection by this circuit breaker is
	 * kept as the breaker's state only (see {@link #lastError(PendingWrite)}).
	 */
	private Object lastError(PendingWrite write, Throwable error) {
		if (error.getClass() == RedisCircuitOpenException.class) {
			RedisCircuitOpenException rejected = (RedisCircuitOpenException) error;
			if (rejected.getCause() == null && rejected.getSuppressed().length == 0
					&& rejected.getCommand().equals(write.write.command())
					&& rejected.getCircuitBreakerName().equals(this.circuitBreaker.getName())) {
				return rejected.getState();
			}
		}
		return error;
	}

	/**
	 * A write's last error, for its outcome: a rejection kept as the breaker's state is
	 * described again by an equal {@link RedisCircuitOpenException} (same command, breaker
	 * and state, and like every such exception without a stack trace).
	 */
	@Nullable
	private Throwable lastError(PendingWrite write) {
		Object error = write.lastError;
		if (error instanceof CircuitBreaker.State state) {
			return new RedisCircuitOpenException(write.write.command(), this.circuitBreaker.getName(), state);
		}
		return (Throwable) error;
	}

	private void notifyListeners(java.util.function.Consumer<RecoveryListener> event) {
		for (RecoveryListener listener : this.listeners) {
			try {
				event.accept(listener);
			}
			catch (RuntimeException ex) {
				logger.warn("Recovery listener failed", ex);
			}
		}
	}

	@Nullable
	private static Throwable unwrap(@Nullable Throwable error) {
		Throwable current = error;
		while (current instanceof java.util.concurrent.CompletionException && current.getCause() != null) {
			current = current.getCause();
		}
		return current;
	}

	private Stripe stripe(String key) {
		// The top bits of a multiplicative hash: not the low bits a stripe's HashMap picks
		// its bucket with, or all keys of a stripe would share one bucket (and make it a
		// tree: slower lookups and larger entries).
		return this.stripes[(key.hashCode() * 0x9E3779B9) >>> (32 - STRIPE_BITS)];
	}

	private enum Decision {

		WAIT, FAIL, SUPERSEDED, DROP_LOW, DROP_DISABLED, DROP_EXHAUSTED, DROP_NOT_RETRYABLE, DROP_SHUTDOWN

	}

	/**
	 * Logs a dropped write at most every ten seconds, with the number of drops since the
	 * last line, so that an outage under load does not flood the log (every drop is
	 * counted in the metrics).
	 */
	private static final class DropLog {

		private static final long INTERVAL = TimeUnit.SECONDS.toNanos(10);

		private final LongSupplier nanoTime;

		private final int capacity;

		private final AtomicLong lastLogged;

		private final LongAdder unlogged = new LongAdder();

		DropLog(LongSupplier nanoTime, int capacity) {
			this.nanoTime = nanoTime;
			this.capacity = capacity;
			this.lastLogged = new AtomicLong(nanoTime.getAsLong() - INTERVAL);
		}

		void dropped(PendingWrite write, DropReason reason, @Nullable Throwable cause) {
			long now = this.nanoTime.getAsLong();
			long last = this.lastLogged.get();
			if (now - last < INTERVAL || !this.lastLogged.compareAndSet(last, now) || !logger.isWarnEnabled()) {
				this.unlogged.increment();
				return;
			}
			long more = this.unlogged.sumThenReset();
			String why = switch (reason) {
				case CAPACITY -> "the recovery queue is full (capacity " + this.capacity + ")";
				case LOW_PRIORITY -> "LOW priority writes are not retried";
				default -> reason.name();
			};
			logger.warn(LogMessage.format("Dropped %s: %s%s%s", write, why,
					(cause != null) ? " (" + cause.getMessage() + ")" : "",
					(more > 0) ? "; " + more + " more writes dropped since the last such line"
							+ " (see agent.memory.redis.recovery.dropped)" : ""));
		}

	}

	private static final class Stripe {

		/** A {@link KeyState}, or a key's one waiting {@link PendingWrite} (see removeIfIdle). */
		final Map<String, Object> keys = new HashMap<>();

	}

	private static final class KeyState {

		/**
		 * Writes waiting for this key, in issue order: {@code null} when none, the one
		 * waiting {@link PendingWrite} itself, or an {@link ArrayDeque} once a second one
		 * waits (most lanes only ever hold one write, so most keys need no deque). A deque
		 * is never left empty.
		 */
		@Nullable
		private Object lane;

		int inFlight;

		long lastApplied;

		boolean hasLane() {
			return this.lane != null;
		}

		@Nullable
		PendingWrite peekFirst() {
			Object lane = this.lane;
			return (lane instanceof PendingWrite single) ? single : (lane != null) ? deque().peekFirst() : null;
		}

		void pollFirst() {
			if (this.lane instanceof PendingWrite) {
				this.lane = null;
			}
			else if (this.lane != null) {
				deque().pollFirst();
				clearIfEmpty();
			}
		}

		void remove(PendingWrite write) {
			if (this.lane == write) {
				this.lane = null;
			}
			else if (this.lane instanceof ArrayDeque) {
				deque().remove(write);
				clearIfEmpty();
			}
		}

		void addLast(PendingWrite write) {
			if (this.lane == null) {
				this.lane = write;
			}
			else {
				toDeque().addLast(write);
			}
		}

		/** Add a write where its sequence puts it (a retried write goes before newer ones). */
		void insertInOrder(PendingWrite write) {
			if (this.lane == null) {
				this.lane = write;
				return;
			}
			ArrayDeque<PendingWrite> lane = toDeque();
			if (lane.peekLast().sequence < write.sequence) {
				lane.addLast(write);
				return;
			}
			List<PendingWrite> newer = new ArrayList<>();
			while (!lane.isEmpty() && lane.peekLast().sequence > write.sequence) {
				newer.add(lane.pollLast());
			}
			lane.addLast(write);
			for (int i = newer.size() - 1; i >= 0; i--) {
				lane.addLast(newer.get(i));
			}
		}

		/** Remove the waiting writes the filter accepts, oldest first (it is called once per write). */
		void removeIf(Predicate<PendingWrite> filter) {
			if (this.lane instanceof PendingWrite single) {
				if (filter.test(single)) {
					this.lane = null;
				}
			}
			else if (this.lane != null) {
				deque().removeIf(filter);
				clearIfEmpty();
			}
		}

		boolean anyMatch(Predicate<PendingWrite> filter) {
			if (this.lane instanceof PendingWrite single) {
				return filter.test(single);
			}
			if (this.lane != null) {
				for (PendingWrite write : deque()) {
					if (filter.test(write)) {
						return true;
					}
				}
			}
			return false;
		}

		@SuppressWarnings("unchecked")
		private ArrayDeque<PendingWrite> deque() {
			return (ArrayDeque<PendingWrite>) this.lane;
		}

		private ArrayDeque<PendingWrite> toDeque() {
			if (this.lane instanceof PendingWrite single) {
				ArrayDeque<PendingWrite> deque = new ArrayDeque<>(4);
				deque.addLast(single);
				this.lane = deque;
			}
			return deque();
		}

		private void clearIfEmpty() {
			if (deque().isEmpty()) {
				this.lane = null;
			}
		}

	}

	/**
	 * Futures to complete once the locks are released: callbacks run arbitrary code.
	 */
	private static final class Completions {

		/** The first action: usually the only one, so no list is allocated for it. */
		@Nullable
		private Runnable first;

		@Nullable
		private List<Runnable> more;

		void add(Runnable action) {
			if (this.first == null) {
				this.first = action;
				return;
			}
			if (this.more == null) {
				this.more = new ArrayList<>(2);
			}
			this.more.add(action);
		}

		void run() {
			if (this.first != null) {
				this.first.run();
			}
			if (this.more != null) {
				this.more.forEach(Runnable::run);
			}
		}

	}

	private static final class Counters {

		private final LongAdder[] enqueued = adders(Priority.values().length);

		private final LongAdder[] replayed = adders(Priority.values().length);

		private final LongAdder[] dropped = adders(DropReason.values().length);

		final LongAdder retries = new LongAdder();

		void enqueued(Priority priority) {
			this.enqueued[priority.ordinal()].increment();
		}

		void replayed(Priority priority) {
			this.replayed[priority.ordinal()].increment();
		}

		void dropped(DropReason reason) {
			this.dropped[reason.ordinal()].increment();
		}

		Map<Priority, Long> enqueued() {
			return byPriority(this.enqueued);
		}

		Map<Priority, Long> replayed() {
			return byPriority(this.replayed);
		}

		Map<DropReason, Long> dropped() {
			Map<DropReason, Long> result = new EnumMap<>(DropReason.class);
			for (DropReason reason : DropReason.values()) {
				result.put(reason, this.dropped[reason.ordinal()].sum());
			}
			return result;
		}

		private static Map<Priority, Long> byPriority(LongAdder[] adders) {
			Map<Priority, Long> result = new EnumMap<>(Priority.class);
			for (Priority priority : Priority.values()) {
				result.put(priority, adders[priority.ordinal()].sum());
			}
			return result;
		}

		private static LongAdder[] adders(int count) {
			LongAdder[] adders = new LongAdder[count];
			for (int i = 0; i < count; i++) {
				adders[i] = new LongAdder();
			}
			return adders;
		}

	}

}
