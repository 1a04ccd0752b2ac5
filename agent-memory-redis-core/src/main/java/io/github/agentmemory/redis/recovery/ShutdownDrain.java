package io.github.agentmemory.redis.recovery;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.resilience.CircuitBreakerRouting;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.core.log.LogMessage;

/**
 * The recovery processor's last work: replay rounds, one after the other, for up to the
 * shutdown timeout, probing Redis past an open circuit (its open-state wait is not waited
 * out) and bounding every round by the deadline; then the write path is closed and what
 * is left given up or, with a journal, handed over to the next start, and reported.
 *
 * @author agent-memory-redis
 */
final class ShutdownDrain {

	private static final Log logger = LogFactory.getLog(RecoveryProcessor.class);

	private final Supplier<CompletableFuture<Boolean>> round;

	private final WriteSequencer sequencer;

	private final RecoveryQueue queue;

	private final CircuitBreakerRouting circuitBreakers;

	private final ScheduledExecutorService scheduler;

	private final Duration pollInterval;

	ShutdownDrain(Supplier<CompletableFuture<Boolean>> round, WriteSequencer sequencer, RecoveryQueue queue,
			CircuitBreakerRouting circuitBreakers, ScheduledExecutorService scheduler, Duration pollInterval) {
		this.round = round;
		this.sequencer = sequencer;
		this.queue = queue;
		this.circuitBreakers = circuitBreakers;
		this.scheduler = scheduler;
		this.pollInterval = pollInterval;
	}

	/**
	 * Drain, then close the write path and report.
	 * @param deadline until when to keep replaying ({@link System#nanoTime()})
	 * @param callback run once everything is done
	 */
	void run(long deadline, Runnable callback) {
		int before = this.queue.size();
		drainForShutdown(deadline).whenComplete((done, error) -> {
			if (error != null) {
				logger.warn("Recovery queue could not be drained on shutdown", error);
			}
			giveUpRest(before);
			callback.run();
		});
	}

	private CompletableFuture<Void> drainForShutdown(long deadline) {
		if (this.queue.size() == 0 || System.nanoTime() - deadline >= 0) {
			return CompletableFuture.completedFuture(null);
		}
		for (CircuitBreaker breaker : this.circuitBreakers.circuitBreakers()) {
			if (breaker.getState() == CircuitBreaker.State.OPEN) {
				try {
					// shutting down: do not wait out the open state, probe Redis now
					breaker.transitionToHalfOpenState();
				}
				catch (RuntimeException ex) {
					logger.debug("Could not probe Redis past the open circuit", ex);
				}
			}
		}
		int sizeBefore = this.queue.size();
		CompletableFuture<Void> next = new CompletableFuture<>();
		// a probe that hangs (a connection attempt, a paused server) must not outlast the deadline
		this.round.get().orTimeout(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS).whenComplete((applied, error) -> {
			boolean progress = error == null && this.queue.size() < sizeBefore;
			long delay = progress ? 0 : Math.min(this.pollInterval.toNanos(), Math.max(0, deadline - System.nanoTime()));
			try {
				this.scheduler.schedule(() -> drainForShutdown(deadline).whenComplete((done, failure) -> {
					if (failure != null) {
						next.completeExceptionally(failure);
					}
					else {
						next.complete(null);
					}
				}), delay, TimeUnit.NANOSECONDS);
			}
			catch (RejectedExecutionException ex) {
				next.complete(null);
			}
		});
		return next;
	}

	private void giveUpRest(int before) {
		RecoveryQueue.Victims left = this.sequencer.close();
		Map<Priority, Integer> dropped = new EnumMap<>(Priority.class);
		int handedOver = 0;
		for (ParkedWrite write : left.parked) {
			if (write.journaled()) {
				handedOver++;
			}
			else {
				dropped.merge(write.priority(), 1, Integer::sum);
			}
		}
		for (PendingWrite write : left.inMemory) {
			if (write.journalId >= 0) {
				handedOver++;
			}
			else {
				dropped.merge(write.queuePriority(), 1, Integer::sum);
			}
		}
		int lost = left.size() - handedOver;
		if (lost > 0) {
			logger.error(LogMessage.format(
					"Shutting down with %d queued writes not applied to Redis (dropped, by priority: %s); "
							+ "%d were replayed or given up during shutdown",
					lost, dropped, Math.max(0, before - left.size())));
		}
		if (handedOver > 0) {
			logger.warn(LogMessage.format("Shutting down with %d queued writes not applied to Redis yet: the recovery "
					+ "journal keeps them and the next start replays them", handedOver));
		}
		if (left.isEmpty() && before > 0) {
			logger.info(LogMessage.format("Recovery queue drained on shutdown: %d queued writes handled", before));
		}
	}

}
