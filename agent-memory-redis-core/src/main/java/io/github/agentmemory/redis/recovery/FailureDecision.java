package io.github.agentmemory.redis.recovery;

import io.github.agentmemory.redis.command.DropReason;
import io.github.agentmemory.redis.resilience.RedisFault;

import org.springframework.lang.Nullable;

/**
 * What becomes of a write that failed: pure logic, from the write's handling, the kind of
 * error and the queue's settings.
 *
 * <table>
 * <caption>Decisions</caption>
 * <tr><th>error</th><th>no priority</th><th>CRITICAL</th><th>HIGH, NORMAL</th><th>LOW</th></tr>
 * <tr><td>permanent</td><td>fail</td><td>fail</td><td>fail (dropped once queued)</td><td>fail</td></tr>
 * <tr><td>ambiguous (sent, not idempotent)</td><td>fail</td><td>fail</td><td>fail (dropped
 * once queued)</td><td>fail</td></tr>
 * <tr><td>transient</td><td>retry</td><td>retry, then fail</td><td>queue</td><td>drop</td></tr>
 * <tr><td>open circuit, out of memory</td><td>fail</td><td>queue</td><td>queue</td><td>drop</td></tr>
 * </table>
 * A write that provably never left the client (rejected by the breaker, not connected)
 * is never ambiguous, so it may be queued even if it is not idempotent. A queued write
 * whose own attempts are used up is dropped (the caller checks the give-up order first).
 *
 * @author agent-memory-redis
 */
final class FailureDecision {

	private FailureDecision() {
	}

	/**
	 * Decide.
	 * @param write the failed write, with its attempts so far
	 * @param fault the kind of error
	 * @param rejected whether the open circuit rejected it
	 * @param neverSent whether the write provably never reached Redis
	 * @param closed whether the write path is shut down
	 * @param queueEnabled whether failed writes may be queued
	 * @param maxQueuedAttempts attempts of a queued write, counting the first
	 * @return the decision
	 */
	static Decision decide(PendingWrite write, RedisFault fault, boolean rejected, boolean neverSent, boolean closed,
			boolean queueEnabled, int maxQueuedAttempts) {
		if (!fault.isRecoverable()) {
			return write.queued ? Decision.drop(DropReason.PERMANENT_ERROR) : Decision.FAIL;
		}
		if (!neverSent && !rejected && !write.toSend.idempotent()) {
			return write.queued ? Decision.drop(DropReason.NOT_RETRYABLE) : Decision.FAIL_AMBIGUOUS;
		}
		if (closed) {
			return (write.handling == PendingWrite.Handling.CALL) ? Decision.FAIL : Decision.drop(DropReason.SHUTDOWN);
		}
		boolean retryable = fault == RedisFault.TRANSIENT && !rejected;
		if (write.queued) {
			return (write.attempts >= maxQueuedAttempts) ? Decision.drop(DropReason.ATTEMPTS_EXHAUSTED)
					: Decision.QUEUE;
		}
		return switch (write.handling) {
			case CALL -> (retryable && write.attempts < write.retryPolicy.getMaxAttempts()) ? Decision.RETRY
					: Decision.FAIL;
			case RETRY -> {
				if (retryable) {
					yield (write.attempts < write.retryPolicy.getMaxAttempts()) ? Decision.RETRY : Decision.FAIL;
				}
				yield queueEnabled ? Decision.QUEUE : Decision.drop(DropReason.QUEUE_DISABLED);
			}
			case QUEUE -> queueEnabled ? Decision.QUEUE : Decision.drop(DropReason.QUEUE_DISABLED);
			case DROP -> Decision.drop(DropReason.LOW_PRIORITY);
		};
	}

	/**
	 * A decision.
	 *
	 * @param action what to do
	 * @param reason why a dropped write is dropped
	 */
	record Decision(Action action, @Nullable DropReason reason) {

		static final Decision RETRY = new Decision(Action.RETRY, null);

		static final Decision QUEUE = new Decision(Action.QUEUE, null);

		static final Decision FAIL = new Decision(Action.FAIL, null);

		static final Decision FAIL_AMBIGUOUS = new Decision(Action.FAIL_AMBIGUOUS, null);

		static Decision drop(DropReason reason) {
			return new Decision(Action.DROP, reason);
		}

	}

	/**
	 * What to do with a failed write.
	 */
	enum Action {

		/** Send it again after a backoff (the caller still waits). */
		RETRY,

		/** Keep it in the recovery queue (the caller is or was told {@code QUEUED}). */
		QUEUE,

		/** Report the error to the caller. */
		FAIL,

		/** Report the error, saying that the write may have been applied. */
		FAIL_AMBIGUOUS,

		/** Give it up for the reason given. */
		DROP

	}

}
