package io.github.agentmemory.redis.recovery;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.github.agentmemory.redis.command.Priority;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.core.log.LogMessage;
import org.springframework.util.Assert;

/**
 * Replays the recovery queue in the background, on the library's own scheduler.
 *
 * <p>
 * Every {@link RecoverySettings#pollInterval() poll interval} a round starts: writes
 * older than the maximum age are dropped, then the keys with waiting writes are taken
 * most important first. One write is sent alone as a probe (the circuit breaker decides
 * whether it may go); only if it is applied are up to
 * {@link RecoverySettings#batchSize() batch size} keys replayed concurrently, each key's
 * writes one after the other in issue order, all pipelined on the one connection. While
 * replays fail the rounds back off, up to the retry policy's maximum interval. Nothing
 * waits on a thread: rounds are chains of futures.
 *
 * <p>
 * On shutdown (before the connection factory stops) the processor keeps replaying for
 * up to {@link RecoverySettings#shutdownTimeout() the shutdown timeout}, then drops what
 * is left and logs how many writes of each priority were not applied.
 *
 * @author agent-memory-redis
 */
public class RecoveryProcessor implements SmartLifecycle {

	/** Stops after the web server (no new requests) and before the connection factory. */
	public static final int PHASE = Integer.MAX_VALUE - 4096;

	private static final Log logger = LogFactory.getLog(RecoveryProcessor.class);

	private final WriteSequencer sequencer;

	private final ScheduledExecutorService scheduler;

	private final RecoverySettings settings;

	private final Duration maxBackoff;

	private volatile boolean running;

	private int failedRounds;

	private boolean listening;

	private ScheduledFuture<?> nextRound;

	/**
	 * Create a processor.
	 * @param sequencer holds the queue
	 * @param scheduler runs the rounds
	 * @param maxBackoff the longest pause between rounds while replays fail
	 */
	public RecoveryProcessor(WriteSequencer sequencer, ScheduledExecutorService scheduler, Duration maxBackoff) {
		Assert.notNull(sequencer, "'sequencer' must not be null");
		Assert.notNull(scheduler, "'scheduler' must not be null");
		Assert.notNull(maxBackoff, "'maxBackoff' must not be null");
		this.sequencer = sequencer;
		this.scheduler = scheduler;
		this.settings = sequencer.getSettings();
		this.maxBackoff = maxBackoff;
	}

	@Override
	public synchronized void start() {
		if (!this.running) {
			this.running = true;
			if (!this.listening) {
				// do not wait for the backoff once calls go through again
				this.sequencer.getCircuitBreaker().getEventPublisher().onStateTransition((event) -> {
					if (event.getStateTransition().getToState() == CircuitBreaker.State.CLOSED) {
						roundNow();
					}
				});
				this.listening = true;
			}
			scheduleRound(this.settings.pollInterval());
		}
	}

	private synchronized void roundNow() {
		if (this.running && this.failedRounds > 0 && this.nextRound != null && this.nextRound.cancel(false)) {
			this.failedRounds = 0;
			scheduleRound(Duration.ZERO);
		}
	}

	@Override
	public void stop() {
		synchronized (this) {
			if (!this.running) {
				return;
			}
			this.running = false;
			if (this.nextRound != null) {
				this.nextRound.cancel(false);
			}
		}
		drainForShutdown();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	/**
	 * Run one replay round now.
	 * @return completes with whether every write sent in the round was applied
	 */
	public CompletableFuture<Boolean> replay() {
		this.sequencer.expire();
		List<String> keys = this.sequencer.keysToReplay(this.settings.batchSize());
		if (keys.isEmpty()) {
			return CompletableFuture.completedFuture(true);
		}
		return this.sequencer.drainLane(keys.get(0)).thenCompose((probeApplied) -> {
			if (!probeApplied) {
				return CompletableFuture.completedFuture(false);
			}
			CompletableFuture<?>[] lanes = new CompletableFuture<?>[keys.size() - 1];
			for (int i = 1; i < keys.size(); i++) {
				lanes[i - 1] = this.sequencer.drainLane(keys.get(i));
			}
			return CompletableFuture.allOf(lanes).thenApply((done) -> {
				for (CompletableFuture<?> lane : lanes) {
					if (!Boolean.TRUE.equals(lane.join())) {
						return false;
					}
				}
				return true;
			});
		});
	}

	private void round() {
		if (!this.running) {
			return;
		}
		int sizeBefore = this.sequencer.size();
		CompletableFuture<Boolean> round;
		try {
			round = replay();
		}
		catch (RuntimeException ex) {
			round = CompletableFuture.failedFuture(ex);
		}
		round.whenComplete((applied, error) -> {
			if (error != null) {
				logger.error("Recovery round failed", error);
			}
			synchronized (this) {
				if (Boolean.TRUE.equals(applied)) {
					if (this.failedRounds > 0) {
						logger.info("Redis accepts replayed writes again");
					}
					this.failedRounds = 0;
				}
				else {
					this.failedRounds = Math.min(this.failedRounds + 1, 30);
				}
			}
			int size = this.sequencer.size();
			boolean more = Boolean.TRUE.equals(applied) && size > 0 && size < sizeBefore;
			scheduleRound(more ? Duration.ZERO : backoff());
		});
	}

	private synchronized Duration backoff() {
		if (this.failedRounds == 0) {
			return this.settings.pollInterval();
		}
		long millis = this.settings.pollInterval().toMillis() << Math.min(this.failedRounds, 20);
		return Duration.ofMillis(Math.min(millis, Math.max(this.maxBackoff.toMillis(),
				this.settings.pollInterval().toMillis())));
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

	private void drainForShutdown() {
		long deadline = System.nanoTime() + this.settings.shutdownTimeout().toNanos();
		int before = this.sequencer.size();
		while (this.sequencer.size() > 0 && System.nanoTime() - deadline < 0) {
			try {
				int size = this.sequencer.size();
				Boolean applied = replay().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
				if (!Boolean.TRUE.equals(applied) || this.sequencer.size() >= size) {
					break;
				}
			}
			catch (TimeoutException ex) {
				break;
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				break;
			}
			catch (Exception ex) {
				logger.warn("Recovery queue could not be drained on shutdown", ex);
				break;
			}
		}
		Map<Priority, Integer> left = this.sequencer.dropAll();
		int total = left.values().stream().mapToInt(Integer::intValue).sum();
		if (total > 0) {
			logger.error(LogMessage.format(
					"Shutting down with %d writes not applied to Redis (dropped, by priority: %s); "
							+ "%d were replayed during shutdown",
					total, left, Math.max(0, before - total)));
		}
		else if (before > 0) {
			logger.info(LogMessage.format("Recovery queue drained on shutdown: %d writes replayed", before));
		}
	}

}
