package io.github.agentmemory.redis.recovery;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

import io.github.agentmemory.redis.command.DropReason;
import io.github.agentmemory.redis.recovery.FailureDecision.Decision;
import io.github.agentmemory.redis.recovery.PendingWrite.State;
import io.github.agentmemory.redis.resilience.RedisFaultClassifier;

import org.springframework.dao.TransientDataAccessResourceException;

/**
 * Handles the writes of a lane that failed: records the failure, folds the later writes
 * of the key that Redis applied meanwhile into the earlier failed ones
 * ({@link WriteConflicts}), and decides on each failed write once no later write of its
 * key is in flight ({@link FailureDecision}): a retry after a backoff, the recovery queue,
 * a drop or an error for the caller. Every method is called with the lane's monitor held.
 *
 * @author agent-memory-redis
 */
final class FailedWrites {

	private final RedisFaultClassifier classifier;

	private final RecoveryQueue queue;

	private final QueueAdmission admission;

	private final WriteOutcomes outcomes;

	private final RetryTimer retryTimer;

	private final BooleanSupplier closed;

	private final boolean queueEnabled;

	private final int maxQueuedAttempts;

	private final LongSupplier nanoTime;

	FailedWrites(RedisFaultClassifier classifier, RecoveryQueue queue, QueueAdmission admission,
			WriteOutcomes outcomes, RetryTimer retryTimer, BooleanSupplier closed, boolean queueEnabled,
			int maxQueuedAttempts, LongSupplier nanoTime) {
		this.classifier = classifier;
		this.queue = queue;
		this.admission = admission;
		this.outcomes = outcomes;
		this.retryTimer = retryTimer;
		this.closed = closed;
		this.queueEnabled = queueEnabled;
		this.maxQueuedAttempts = maxQueuedAttempts;
		this.nanoTime = nanoTime;
	}

	/** Fold an applied write into the earlier failed writes of its key that wait to be decided. */
	static void fold(KeyLane lane, PendingWrite applied) {
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

	void failed(KeyLane lane, PendingWrite write, Throwable error) {
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
	void decideSettled(KeyLane lane, Effects effects) {
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
				this.closed.getAsBoolean(), this.queueEnabled, this.maxQueuedAttempts);
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
				this.retryTimer.retryAfter(lane, delay);
			}
			case QUEUE -> {
				if (write.queued && !write.lastRejected) {
					this.outcomes.retried(write);
				}
				this.admission.enqueue(lane, write, error, effects);
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
	 * Sends a lane's oldest write again once its backoff is over.
	 */
	@FunctionalInterface
	interface RetryTimer {

		void retryAfter(KeyLane lane, long delayNanos);

	}

}
