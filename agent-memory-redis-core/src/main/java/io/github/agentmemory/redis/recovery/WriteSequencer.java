package io.github.agentmemory.redis.recovery;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

import io.github.agentmemory.redis.command.DropReason;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.recovery.PendingWrite.Handling;
import io.github.agentmemory.redis.recovery.PendingWrite.State;
import io.github.agentmemory.redis.recovery.journal.RecoveryJournal;
import io.github.agentmemory.redis.resilience.CircuitBreakerRouting;
import io.github.agentmemory.redis.resilience.RedisFaultClassifier;
import io.github.agentmemory.redis.resilience.RetryPolicy;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;

import org.springframework.beans.factory.DisposableBean;
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
 * With a journal, a queued write is parked once committed ({@link ParkedWrites}: only its
 * id, priority, age, attempts, key hash and settlement stay in memory) and loaded back for
 * replay ({@link ParkedWriteLoader}); I2 then rests on the rules stated in
 * {@link RecoveryQueue}. Acknowledged writes survive a crash in the journal and are
 * replayed at least once by the next start.
 * Locks: a lane's monitor, then possibly the queue's; never two lanes. Futures complete
 * after the locks are released.
 *
 * @author agent-memory-redis
 */
public class WriteSequencer implements DisposableBean {

	private final KeyLanes lanes = new KeyLanes();

	private final ScheduledExecutorService scheduler;

	private final RetryPolicy defaultRetryPolicy;

	private final RecoveryQueue queue;

	private final LongSupplier nanoTime;

	private final WriteOutcomes outcomes;

	private final QueueAdmission admission;

	private final FailedWrites failures;

	private final WaitingWrites waiting;

	private final LaneSender laneSender;

	private final ParkedWriteLoader loader;

	private final WriteSender sender;

	private final AtomicLong sequence = new AtomicLong();

	private volatile boolean closed;

	/**
	 * Create a sequencer without a recovery journal; the parameters are those of
	 * {@link #WriteSequencer(WriteSender, CircuitBreaker, ScheduledExecutorService, RedisFaultClassifier, RetryPolicy, RecoveryQueue, RecoveryCounters, boolean, int, LongSupplier, RecoveryJournal)}.
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
		this(sender, CircuitBreakerRouting.single(circuitBreaker), scheduler, classifier, defaultRetryPolicy, queue,
				counters, queueEnabled, maxQueuedAttempts, nanoTime, journal);
	}

	/**
	 * Create a sequencer whose writes go through the breaker of their key (on Redis
	 * Cluster, of the key's master): when one opens, only the writes of its keys stop
	 * waiting for a retry. The other parameters are those of
	 * {@link #WriteSequencer(WriteSender, CircuitBreaker, ScheduledExecutorService, RedisFaultClassifier, RetryPolicy, RecoveryQueue, RecoveryCounters, boolean, int, LongSupplier, RecoveryJournal)}.
	 * @param circuitBreakers the breaker of each key, as the sender routes it
	 */
	public WriteSequencer(WriteSender sender, CircuitBreakerRouting circuitBreakers,
			ScheduledExecutorService scheduler, RedisFaultClassifier classifier, RetryPolicy defaultRetryPolicy,
			RecoveryQueue queue, RecoveryCounters counters, boolean queueEnabled, int maxQueuedAttempts,
			LongSupplier nanoTime, @Nullable RecoveryJournal journal) {
		Assert.notNull(sender, "'sender' must not be null");
		Assert.notNull(circuitBreakers, "'circuitBreakers' must not be null");
		Assert.notNull(scheduler, "'scheduler' must not be null");
		Assert.notNull(classifier, "'classifier' must not be null");
		Assert.notNull(defaultRetryPolicy, "'defaultRetryPolicy' must not be null");
		Assert.notNull(queue, "'queue' must not be null");
		Assert.notNull(counters, "'counters' must not be null");
		Assert.isTrue(maxQueuedAttempts >= 1, "'maxQueuedAttempts' must be at least 1");
		Assert.notNull(nanoTime, "'nanoTime' must not be null");
		this.sender = sender;
		this.scheduler = scheduler;
		this.defaultRetryPolicy = defaultRetryPolicy;
		this.queue = queue;
		this.nanoTime = nanoTime;
		this.outcomes = new WriteOutcomes(counters, new DropLog(nanoTime, queue.capacity()), journal);
		this.admission = new QueueAdmission(this.lanes, queue, journal, this.outcomes, queueEnabled,
				circuitBreakers.isSingle() && journal == null, () -> this.closed);
		FailedWrites.RetryTimer retryTimer = (lane, delay) -> schedule(() -> replay(lane.key, false, true), delay);
		this.failures = new FailedWrites(classifier, queue, this.admission, this.outcomes, retryTimer,
				() -> this.closed, queueEnabled, maxQueuedAttempts, nanoTime);
		this.laneSender = new LaneSender(sender, this.lanes, queue, this.outcomes, this.failures, retryTimer,
				() -> this.closed, nanoTime);
		this.loader = new ParkedWriteLoader(this.lanes, queue, journal, this.outcomes);
		this.waiting = new WaitingWrites(this.lanes, circuitBreakers, this.admission, this.outcomes, this::schedule,
				(key) -> replay(key, false));
		circuitBreakers.forEach((breaker) -> breaker.getEventPublisher().onStateTransition((event) -> {
			if (event.getStateTransition().getToState() == CircuitBreaker.State.OPEN) {
				this.waiting.circuitOpened(breaker);
			}
		}));
	}

	/**
	 * Apply a write issued without a priority: retried if it is idempotent (or never left
	 * the client), then the error goes to the caller.
	 * @param write the write
	 * @return the raw reply
	 */
	public CompletableFuture<Object> write(RedisWrite write) {
		return write(write, Function.identity());
	}

	/**
	 * Apply a write issued without a priority, as {@link #write(RedisWrite)} does, and
	 * complete the future with the reply converted: the conversion runs where the reply
	 * is handed to the caller, which saves the dependent stage (a {@code thenApply}) that
	 * a caller would add for it. Errors complete the future as they are.
	 * @param <T> the converted reply's type
	 * @param write the write
	 * @param reply converts Redis's raw reply; what it throws completes the future
	 * exceptionally
	 * @return the converted reply
	 */
	public <T> CompletableFuture<T> write(RedisWrite write, Function<Object, ? extends T> reply) {
		Assert.notNull(reply, "'reply' must not be null");
		WriteReply<T> future = new WriteReply<>(reply);
		submit(new PendingWrite(write, Handling.CALL, null, this.nanoTime.getAsLong(), this.defaultRetryPolicy, future,
				null));
		return future;
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
		// a write in memory behind writes of the key parked encoded: they go back to its lane first
		this.loader.loadKey(key);
		return replay(key, probe, false);
	}

	/**
	 * Send the oldest waiting write of each key (those with nothing in flight) as one
	 * batch of the sender ({@link WriteSender#sendBatch}): one write per key, so per-key
	 * order holds however the batch is pipelined (<b>I2</b>). After a write is applied,
	 * the key's next waiting writes follow by themselves, outside the batch.
	 * @param keys the keys, each at most once
	 * @return completes, for each write sent, with whether it was applied
	 */
	List<CompletableFuture<Boolean>> replayBatch(List<String> keys) {
		List<CompletableFuture<Boolean>> sent = new ArrayList<>(keys.size());
		this.sender.sendBatch(() -> {
			for (String key : keys) {
				CompletableFuture<Boolean> lane = replay(key, false);
				if (lane != null) {
					sent.add(lane);
				}
			}
		});
		return sent;
	}

	@Nullable
	private CompletableFuture<Boolean> replay(String key, boolean probe, boolean backoffOver) {
		KeyLane lane = this.lanes.get(key);
		if (lane == null) {
			return null;
		}
		PendingWrite next;
		synchronized (lane) {
			next = this.laneSender.nextToSend(lane, backoffOver);
			if (next != null) {
				next.probe = probe;
			}
			this.lanes.retireIfIdle(lane);
		}
		return (next != null) ? this.laneSender.send(next) : null;
	}

	/**
	 * Give up the queued writes that waited longer than the maximum age (see
	 * {@link RecoveryQueue#expire(long)} for the order).
	 * @param maxAgeNanos the maximum age
	 * @return how many were given up
	 */
	int expire(long maxAgeNanos) {
		RecoveryQueue.Victims expired = this.queue.expire(this.nanoTime.getAsLong() - maxAgeNanos);
		Effects effects = new Effects();
		this.admission.givenUp(expired, DropReason.EXPIRED, effects);
		effects.run();
		return expired.size();
	}

	/**
	 * Load parked writes back from the journal into their lanes for the next replay round
	 * (see {@link ParkedWriteLoader}).
	 * @param limit the round's size
	 * @return completes once they are loaded; never exceptionally
	 */
	CompletableFuture<Void> loadParked(int limit) {
		return this.loader.load(limit);
	}

	/**
	 * Shut down: from now on no write waits; every waiting write is given up
	 * ({@link DropReason#SHUTDOWN}, or an error for a write without a priority), a
	 * journaled one {@link DropReason#HANDED_OVER} to the next start. Writes in flight end
	 * with their reply and are then given up the same way if they failed.
	 * @return the queued writes given up
	 */
	RecoveryQueue.Victims close() {
		this.closed = true;
		RecoveryQueue.Victims queued = this.queue.close();
		Effects effects = new Effects();
		for (PendingWrite write : queued.inMemory) {
			this.outcomes.dropped(write, WriteOutcomes.atShutdown(write), write.lastError, effects);
		}
		// a journaled parked write is kept for the next start, an encoded one ends with this run
		Map<Boolean, List<ParkedWrite>> parked = queued.parked.stream()
			.collect(Collectors.partitioningBy(ParkedWrite::journaled));
		if (!parked.get(true).isEmpty()) {
			this.outcomes.droppedParked(parked.get(true), DropReason.HANDED_OVER, effects);
		}
		if (!parked.get(false).isEmpty()) {
			this.outcomes.droppedParked(parked.get(false), DropReason.SHUTDOWN, effects);
		}
		for (KeyLane lane : this.lanes.all()) {
			synchronized (lane) {
				lane.forEachWaiting((write) -> {
					// a write being journaled is the journal's answer's: it is handed over or dropped then
					if (write.journaling) {
						return;
					}
					if (write.claim(State.WAITING, State.DONE) || write.claim(State.SENDING, State.DONE)) {
						giveUpAtShutdown(write, effects);
					}
				});
				lane.purge();
				this.lanes.retireIfIdle(lane);
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

	/**
	 * Take back the writes the journal kept from the last run, in their order, as queued
	 * writes (waiting for the recovery processor), ahead of every new write: a new write to
	 * one of their keys waits behind them. To be called once, before the first write.
	 * @return how many writes were taken back
	 */
	public int recover() {
		return this.admission.recover(this.sequence, this.nanoTime);
	}

	// ---- arrival ----------------------------------------------------------------------------

	private void submit(PendingWrite write) {
		Effects effects = new Effects();
		boolean sendNow = false;
		while (true) {
			KeyLane lane = this.lanes.getOrCreate(write.key());
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
				else if (!lane.blocksNewWrites() && !this.queue.holdsParked(write.key())) {
					lane.addInFlight(write);
					sendNow = true;
				}
				else {
					this.waiting.arriveBehind(lane, write, effects);
				}
				this.lanes.retireIfIdle(lane);
			}
			break;
		}
		effects.run();
		if (sendNow) {
			this.laneSender.send(write, null);
		}
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

	private void schedule(Runnable task, long delayNanos) {
		try {
			this.scheduler.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
		}
		catch (RejectedExecutionException ex) {
			// shut down: close() gives up what waits
		}
	}

}
