package io.github.agentmemory.redis.recovery;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.github.agentmemory.redis.command.DropReason;
import io.github.agentmemory.redis.recovery.PendingWrite.Handling;
import io.github.agentmemory.redis.recovery.PendingWrite.State;
import io.github.agentmemory.redis.resilience.CircuitBreakerRouting;
import io.github.agentmemory.redis.resilience.RedisCircuitOpenException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;

import org.springframework.dao.TransientDataAccessResourceException;

/**
 * Writes that arrive while earlier writes to their key wait, and writes waiting for
 * their retry: a {@code LOW} write is dropped, a {@code HIGH}/{@code NORMAL} one queued;
 * a write without a priority or a {@code CRITICAL} one waits behind the earlier writes
 * (and the key is replayed at once, Redis taking writes) for as long as its retries could
 * have taken, then fails or is queued. When the circuit opens, none of them waits any
 * longer: the first fail, the second are queued. At most {@link #MAX_WAITING_PER_KEY}
 * wait per key (bounded memory): beyond, they are handled as with an open circuit.
 *
 * @author agent-memory-redis
 */
final class WaitingWrites {

	/**
	 * Most writes that wait in one key's lane without being in the recovery queue (which
	 * has its own capacity); more are handled as if the circuit were open.
	 */
	static final int MAX_WAITING_PER_KEY = 1024;

	private final KeyLanes lanes;

	private final CircuitBreakerRouting circuitBreakers;

	private final QueueAdmission admission;

	private final WriteOutcomes outcomes;

	private final Scheduler scheduler;

	private final Consumer<String> replayer;

	WaitingWrites(KeyLanes lanes, CircuitBreakerRouting circuitBreakers, QueueAdmission admission,
			WriteOutcomes outcomes, Scheduler scheduler, Consumer<String> replayer) {
		this.lanes = lanes;
		this.circuitBreakers = circuitBreakers;
		this.admission = admission;
		this.outcomes = outcomes;
		this.scheduler = scheduler;
		this.replayer = replayer;
	}

	/** A write arrives while earlier writes to its key wait: it waits too, by its handling. */
	void arriveBehind(KeyLane lane, PendingWrite write, Effects effects) {
		boolean circuitClosed = this.circuitBreakers.forKey(lane.key).getState() == CircuitBreaker.State.CLOSED;
		switch (write.handling) {
			case DROP -> {
				write.claim(State.SENDING, State.DONE);
				this.outcomes.dropped(write, DropReason.LOW_PRIORITY, null, effects);
			}
			case QUEUE -> this.admission.enqueue(lane, write, null, effects);
			case CALL, RETRY -> {
				if (!circuitClosed || lane.waitingCount() >= MAX_WAITING_PER_KEY) {
					notWaiting(lane, write, effects);
					return;
				}
				lane.addWaiting(write);
				write.claim(State.SENDING, State.WAITING);
				long budget = write.retryPolicy.totalBackoff().toNanos();
				this.scheduler.schedule(() -> waitedLongEnough(lane, write), Math.max(budget, TimeUnit.SECONDS.toNanos(1)));
				// Redis takes writes: try the key's waiting writes now rather than at the next round
				effects.add(() -> this.replayer.accept(lane.key));
			}
		}
	}

	/**
	 * A write without a priority, or a CRITICAL one, that cannot wait behind its key's
	 * earlier writes: the first fails (as its retries would), the second is queued.
	 */
	private void notWaiting(KeyLane lane, PendingWrite write, Effects effects) {
		if (write.handling == Handling.RETRY) {
			this.admission.enqueue(lane, write, null, effects);
			return;
		}
		write.claim(State.SENDING, State.DONE);
		CircuitBreaker breaker = this.circuitBreakers.forKey(lane.key);
		RedisCircuitOpenException rejected = new RedisCircuitOpenException(
				write.write.command() + " (its key has writes waiting for replay)", breaker.getName(),
				breaker.getState());
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
				this.admission.enqueue(lane, write, null, effects);
			}
			else {
				write.claim(State.SENDING, State.DONE);
				this.outcomes.failed(write, new TransientDataAccessResourceException(write.write.command()
						+ " was not applied: it waited longer than its retries would have taken behind earlier "
						+ "writes to its key that Redis has not taken yet"), false, effects);
			}
			this.lanes.retireIfIdle(lane);
		}
		effects.run();
	}

	/**
	 * A breaker opened: the writes of its keys waiting for a retry stop waiting (I1: no
	 * wasted wait); on Redis Cluster the writes of keys on other masters go on waiting.
	 * @param opened the breaker that opened
	 */
	void circuitOpened(CircuitBreaker opened) {
		boolean single = this.circuitBreakers.isSingle();
		for (KeyLane lane : this.lanes.all()) {
			if (!single && this.circuitBreakers.forKey(lane.key) != opened) {
				continue;
			}
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
				this.lanes.retireIfIdle(lane);
			}
			effects.run();
		}
	}

	/**
	 * Runs a task after a delay, on the library's scheduler.
	 */
	@FunctionalInterface
	interface Scheduler {

		void schedule(Runnable task, long delayNanos);

	}

}
