package io.github.agentmemory.redis.recovery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.github.agentmemory.redis.resilience.CircuitBreakerRouting;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.core.IntervalFunction;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.core.log.LogMessage;
import org.springframework.lang.Nullable;
import org.springframework.util.Assert;

/**
 * Replays the recovery queue in the background, on the library's own scheduler; nothing
 * waits on a thread: rounds are chains of futures.
 *
 * <p>
 * Every poll interval a round gives up the writes older than the maximum age, then takes
 * the keys with queued writes, most important first. One write is sent alone as a probe
 * (its failure is not counted against it); only if it is applied are the other keys of
 * the batch replayed, concurrently, each key's writes one after the other. The oldest
 * write of each of those keys goes out as one batch of the sender
 * ({@link WriteSequencer#replayBatch}: pipelined, on a connection of its own where the
 * sender has one). While a drain goes on (the last round was applied and the circuit is
 * closed) rounds follow each other at once, without a probe, and a round ends when the
 * previous round's writes are answered rather than its own: the next batch is sent while
 * the replies of the last one come in, at most two batches in flight. While the
 * circuit is open, the breaker itself rejects the probe at no cost, so the first replay
 * starts at most one poll interval after the breaker lets a call through again, with no
 * other traffic needed. While Redis answers but refuses the probe (out of memory), rounds
 * back off with Resilience4j's exponential backoff up to the maximum interval.
 *
 * <p>
 * On Redis Cluster (one breaker per master, see
 * {@link io.github.agentmemory.redis.resilience.ClusterCircuitBreakers}) a round's keys
 * are grouped by their master's breaker and each group sends its own probe, so that a
 * dead master's keys never hold up a healthy master's; a round that is not applied asks
 * for the topology to be read again, so that a dead master's keys are replayed as soon as
 * its promoted replica serves them.
 *
 * <p>
 * On shutdown (after the web server, before the connection factory) replaying goes on
 * for up to the shutdown timeout, probing Redis past an open circuit, and only then is
 * what is left dropped and reported.
 *
 * @author agent-memory-redis
 */
public class RecoveryProcessor implements SmartLifecycle {

	/** Stops after the web server (no new requests) and before the connection factory. */
	public static final int PHASE = Integer.MAX_VALUE - 4096;

	private static final Log logger = LogFactory.getLog(RecoveryProcessor.class);

	private final WriteSequencer sequencer;

	private final RecoveryQueue queue;

	private final CircuitBreakerRouting circuitBreakers;

	private final ScheduledExecutorService scheduler;

	private final Duration pollInterval;

	private final int batchSize;

	private final long maxAgeNanos;

	private final Duration shutdownTimeout;

	private final IntervalFunction backoff;

	private boolean running;

	private boolean listening;

	private int failedRounds;

	@Nullable
	private ScheduledFuture<?> nextRound;

	private long drainStartNanos;

	private long drainStartSize;

	/** Whether the last round was applied: the next one needs no probe while the circuit is closed. */
	private volatile boolean draining;

	/** The replies of the last batch sent; guarded by {@code this}. */
	@Nullable
	private CompletableFuture<Void> lastBatch;

	/**
	 * Create a processor.
	 * @param sequencer sends the queued writes
	 * @param queue the recovery queue
	 * @param circuitBreaker the breaker writes go through
	 * @param scheduler runs the rounds
	 * @param pollInterval time between two rounds
	 * @param batchSize most keys replayed in one round
	 * @param maxAge longest time a write may wait
	 * @param maxInterval longest time between two rounds while Redis refuses replays
	 * @param shutdownTimeout how long shutdown keeps replaying
	 */
	public RecoveryProcessor(WriteSequencer sequencer, RecoveryQueue queue, CircuitBreaker circuitBreaker,
			ScheduledExecutorService scheduler, Duration pollInterval, int batchSize, Duration maxAge,
			Duration maxInterval, Duration shutdownTimeout) {
		this(sequencer, queue, CircuitBreakerRouting.single(circuitBreaker), scheduler, pollInterval, batchSize,
				maxAge, maxInterval, shutdownTimeout);
	}

	/**
	 * Create a processor whose rounds probe and replay each breaker's keys on their own
	 * (on Redis Cluster: each master's); the other parameters are those of
	 * {@link #RecoveryProcessor(WriteSequencer, RecoveryQueue, CircuitBreaker, ScheduledExecutorService, Duration, int, Duration, Duration, Duration)}.
	 * @param circuitBreakers the breaker of each key, as the writes are routed
	 */
	public RecoveryProcessor(WriteSequencer sequencer, RecoveryQueue queue, CircuitBreakerRouting circuitBreakers,
			ScheduledExecutorService scheduler, Duration pollInterval, int batchSize, Duration maxAge,
			Duration maxInterval, Duration shutdownTimeout) {
		Assert.notNull(sequencer, "'sequencer' must not be null");
		Assert.notNull(queue, "'queue' must not be null");
		Assert.notNull(circuitBreakers, "'circuitBreakers' must not be null");
		Assert.notNull(scheduler, "'scheduler' must not be null");
		this.sequencer = sequencer;
		this.queue = queue;
		this.circuitBreakers = circuitBreakers;
		this.scheduler = scheduler;
		this.pollInterval = pollInterval;
		this.batchSize = batchSize;
		this.maxAgeNanos = maxAge.toNanos();
		this.shutdownTimeout = shutdownTimeout;
		this.backoff = IntervalFunction.ofExponentialRandomBackoff(pollInterval,
				IntervalFunction.DEFAULT_MULTIPLIER, IntervalFunction.DEFAULT_RANDOMIZATION_FACTOR,
				(maxInterval.compareTo(pollInterval) > 0) ? maxInterval : pollInterval);
	}

	@Override
	public synchronized void start() {
		if (this.running) {
			return;
		}
		this.running = true;
		if (!this.listening) {
			this.circuitBreakers.forEach((breaker) -> breaker.getEventPublisher().onStateTransition((event) -> {
				if (event.getStateTransition().getToState() == CircuitBreaker.State.CLOSED) {
					roundNow();
				}
			}));
			this.listening = true;
		}
		scheduleRound(this.pollInterval);
	}

	@Override
	public void stop() {
		CompletableFuture<Void> stopped = new CompletableFuture<>();
		stop(() -> stopped.complete(null));
		stopped.join();
	}

	@Override
	public void stop(Runnable callback) {
		CompletableFuture<Void> inFlight;
		synchronized (this) {
			if (!this.running) {
				callback.run();
				return;
			}
			this.running = false;
			if (this.nextRound != null) {
				this.nextRound.cancel(false);
			}
			inFlight = this.lastBatch;
			this.lastBatch = null;
		}
		long deadline = System.nanoTime() + this.shutdownTimeout.toNanos();
		ShutdownDrain drain = new ShutdownDrain(this::replay, this.sequencer, this.queue, this.circuitBreakers,
				this.scheduler, this.pollInterval);
		if (inFlight == null) {
			drain.run(deadline, callback);
			return;
		}
		// the last batch of the drain is still answering: its writes left the queue already, so
		// the shutdown drain (which ends when the queue is empty) starts once they are answered
		inFlight.orTimeout(this.shutdownTimeout.toNanos(), TimeUnit.NANOSECONDS)
			.whenComplete((answered, error) -> drain.run(deadline, callback));
	}

	@Override
	public synchronized boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	/**
	 * Run one replay round now: writes parked in the recovery journal are loaded back
	 * first (a few rounds' worth at most, oldest first), then the round replays the queued
	 * writes in memory. On Redis Cluster the round's keys are grouped by the
	 * breaker of their master, and each group is probed and replayed on its own, all at
	 * once: the keys of a healthy master replay without waiting for a dead one's.
	 * @return completes with whether the round's probes were all applied (or nothing
	 * waited)
	 */
	public CompletableFuture<Boolean> replay() {
		this.sequencer.expire(this.maxAgeNanos);
		// writes parked in the journal are loaded back first (a batch at most)
		return this.sequencer.loadParked(this.batchSize).thenCompose((loaded) -> replayBatch());
	}

	private CompletableFuture<Boolean> replayBatch() {
		List<String> keys = this.queue.keysToReplay(this.batchSize);
		if (this.circuitBreakers.isSingle() || keys.size() < 2) {
			return replay(keys);
		}
		Map<CircuitBreaker, List<String>> shards = new LinkedHashMap<>();
		for (String key : keys) {
			shards.computeIfAbsent(this.circuitBreakers.forKey(key), (breaker) -> new ArrayList<>()).add(key);
		}
		if (shards.size() == 1) {
			return replay(keys);
		}
		List<CompletableFuture<Boolean>> rounds = new ArrayList<>(shards.size());
		for (List<String> shard : shards.values()) {
			rounds.add(replay(shard));
		}
		return CompletableFuture.allOf(rounds.toArray(CompletableFuture[]::new))
			.thenApply((all) -> rounds.stream().allMatch(CompletableFuture::join));
	}

	/** Probe with the first key that can send, then replay the others if it was applied. */
	private CompletableFuture<Boolean> replay(List<String> keys) {
		if (this.draining && this.circuitBreakers.isSingle()
				&& this.circuitBreakers.keyless().getState() == CircuitBreaker.State.CLOSED) {
			// Redis applied the last round and nothing failed since: no probe
			return replayAll(keys);
		}
		for (int i = 0; i < keys.size(); i++) {
			// the probe: the first key whose oldest write can be sent now (busy keys are skipped)
			CompletableFuture<Boolean> probe = this.sequencer.replay(keys.get(i), true);
			if (probe != null) {
				List<String> rest = keys.subList(i + 1, keys.size());
				return probe.thenCompose((applied) -> applied ? replayAll(rest) : CompletableFuture.completedFuture(false));
			}
		}
		return CompletableFuture.completedFuture(true);
	}

	private CompletableFuture<Boolean> replayAll(List<String> keys) {
		List<CompletableFuture<Boolean>> lanes = this.sequencer.replayBatch(keys);
		CompletableFuture<Void> answered = CompletableFuture.allOf(lanes.toArray(CompletableFuture[]::new));
		CompletableFuture<Void> previous = null;
		boolean overlap;
		synchronized (this) {
			// at shutdown (stop() took the batch in flight) a round ends once all it sent is
			// answered, so the shutdown drain never closes the write path, and the context the
			// connections, under replays in flight; on Redis Cluster rounds never overlap
			overlap = this.running && this.circuitBreakers.isSingle();
			if (overlap) {
				previous = this.lastBatch;
				this.lastBatch = answered;
			}
		}
		if (!overlap) {
			return answered.thenApply((all) -> true);
		}
		// the round ends when the previous batch is answered: this one's replies overlap the next batch
		return (previous != null) ? previous.thenApply((all) -> true) : CompletableFuture.completedFuture(true);
	}

	private synchronized void roundNow() {
		if (this.running && this.nextRound != null && this.nextRound.cancel(false)) {
			this.failedRounds = 0;
			scheduleRound(Duration.ZERO);
		}
	}

	private void round() {
		if (!isRunning()) {
			return;
		}
		int sizeBefore = this.queue.size();
		CompletableFuture<Boolean> round;
		try {
			round = replay();
		}
		catch (RuntimeException ex) {
			round = CompletableFuture.failedFuture(ex);
		}
		boolean answeredLater = !round.isDone();
		round.whenComplete((applied, error) -> {
			if (error != null) {
				logger.error("Recovery round failed", error);
			}
			Duration delay = next(Boolean.TRUE.equals(applied), sizeBefore);
			if (answeredLater && delay.isZero() && this.draining) {
				// draining: the next round goes out from the thread of the replies (Lettuce's event
				// loop of the replay connection, which then writes the batch without a thread hop);
				// once per reply, so the stack does not grow
				round();
			}
			else {
				scheduleRound(delay);
			}
		});
	}

	private synchronized Duration next(boolean applied, int sizeBefore) {
		int size = this.queue.size();
		this.draining = applied && size > 0 && size < sizeBefore;
		if (applied) {
			this.failedRounds = 0;
			trackDrain(sizeBefore, size);
			return (size > 0 && size < sizeBefore) ? Duration.ZERO : this.pollInterval;
		}
		// the keys of an open circuit may be served by another master by now
		this.circuitBreakers.circuitRejected();
		if (anyOpen()) {
			// the breaker's own wait is the backoff: look again every poll interval
			this.failedRounds = 0;
			return this.pollInterval;
		}
		this.failedRounds = Math.min(this.failedRounds + 1, 30);
		return Duration.ofMillis(this.backoff.apply(this.failedRounds));
	}

	private boolean anyOpen() {
		for (CircuitBreaker breaker : this.circuitBreakers.circuitBreakers()) {
			if (breaker.getState() == CircuitBreaker.State.OPEN) {
				return true;
			}
		}
		return false;
	}

	/** One INFO line per drain: how many writes were replayed in how long. */
	private void trackDrain(int sizeBefore, int size) {
		if (this.drainStartNanos == 0 && size < sizeBefore) {
			this.drainStartNanos = System.nanoTime();
			this.drainStartSize = sizeBefore;
		}
		if (this.drainStartNanos != 0 && size == 0) {
			long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - this.drainStartNanos);
			logger.info(LogMessage.format("Recovery queue drained: %d queued writes handled in %d ms",
					this.drainStartSize, millis));
			this.drainStartNanos = 0;
		}
	}

	private synchronized void scheduleRound(Duration delay) {
		if (!this.running) {
			return;
		}
		try {
			this.nextRound = this.scheduler.schedule(this::round, delay.toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (RejectedExecutionException ex) {
			logger.warn("Recovery processor cannot schedule its next round: the scheduler is shut down");
		}
	}

}
