package io.github.agentmemory.redis.recovery;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

import io.github.agentmemory.redis.recovery.PendingWrite.State;

import org.springframework.lang.Nullable;

/**
 * Sends writes and handles their replies: a reply ends the write (applied) or hands it
 * to {@link FailedWrites}, and after a write is applied the key's next waiting write
 * goes out at once. A lane's waiting write is sent only while nothing of its key is in
 * flight, oldest first (<b>I2</b>).
 *
 * @author agent-memory-redis
 */
final class LaneSender {

	private final WriteSender sender;

	private final KeyLanes lanes;

	private final RecoveryQueue queue;

	private final WriteOutcomes outcomes;

	private final FailedWrites failures;

	private final FailedWrites.RetryTimer retryTimer;

	private final BooleanSupplier closed;

	private final LongSupplier nanoTime;

	LaneSender(WriteSender sender, KeyLanes lanes, RecoveryQueue queue, WriteOutcomes outcomes, FailedWrites failures,
			FailedWrites.RetryTimer retryTimer, BooleanSupplier closed, LongSupplier nanoTime) {
		this.sender = sender;
		this.lanes = lanes;
		this.queue = queue;
		this.outcomes = outcomes;
		this.failures = failures;
		this.retryTimer = retryTimer;
		this.closed = closed;
		this.nanoTime = nanoTime;
	}

	/**
	 * Send a write and, while Redis applies them, the next writes of its key. A reply that
	 * is already complete when the sender returns is handled here, in a loop, and one
	 * that completes later on the thread that completes it: the stack never grows with
	 * the length of a lane.
	 * @return completes with whether the first write was applied
	 */
	CompletableFuture<Boolean> send(PendingWrite first) {
		CompletableFuture<Boolean> firstApplied = null;
		PendingWrite write = first;
		while (write != null) {
			CompletableFuture<Object> reply = dispatch(write);
			if (!reply.isDone()) {
				PendingWrite pending = write;
				CompletableFuture<Boolean> applied = reply.handle((value, error) -> {
					PendingWrite next = completed(pending, value, unwrap(error));
					if (next != null) {
						send(next);
					}
					return error == null;
				});
				return (firstApplied != null) ? firstApplied : applied;
			}
			Object value = null;
			Throwable error = null;
			try {
				value = reply.join();
			}
			catch (RuntimeException ex) {
				error = unwrap(ex);
			}
			if (firstApplied == null) {
				firstApplied = CompletableFuture.completedFuture(error == null);
			}
			write = completed(write, value, error);
		}
		return firstApplied;
	}

	private CompletableFuture<Object> dispatch(PendingWrite write) {
		try {
			CompletableFuture<Object> reply = this.sender.send(write.toSend);
			return (reply != null) ? reply
					: CompletableFuture.failedFuture(new IllegalStateException("The sender returned no future"));
		}
		catch (RuntimeException ex) {
			return CompletableFuture.failedFuture(ex);
		}
	}

	/**
	 * Handle a write's reply.
	 * @return the key's next write to send, already moved in flight, or {@code null}
	 */
	@Nullable
	private PendingWrite completed(PendingWrite write, @Nullable Object value, @Nullable Throwable error) {
		KeyLane lane = write.lane;
		Effects effects = new Effects();
		PendingWrite next;
		PendingWrite stranded = null;
		synchronized (lane) {
			lane.removeInFlight(write);
			if (error == null) {
				write.claim(State.SENDING, State.DONE);
				FailedWrites.fold(lane, write);
				this.outcomes.applied(write, value, effects);
			}
			else {
				this.failures.failed(lane, write, error);
			}
			this.failures.decideSettled(lane, effects);
			next = (error == null) ? nextToSend(lane, true) : null;
			if (error != null && !lane.hasInFlight()) {
				// a write waiting for its retry whose timer fired while the key was busy has
				// no timer left: wake it (asynchronously: no recursion on synchronous failures)
				PendingWrite head = lane.head();
				if (head != null && !head.queued && !head.undecided && head.state() == State.WAITING) {
					stranded = head;
				}
			}
			this.lanes.retireIfIdle(lane);
		}
		effects.run();
		if (stranded != null) {
			this.retryTimer.retryAfter(lane, Math.max(0, stranded.notBeforeNanos - this.nanoTime.getAsLong()));
		}
		return next;
	}

	/**
	 * The lane's oldest waiting write, claimed and moved in flight, if it may be sent now:
	 * nothing of the key in flight or parked, decided, and its backoff over (or known to be over:
	 * its timer fired, or Redis just applied the key's previous write).
	 */
	@Nullable
	PendingWrite nextToSend(KeyLane lane, boolean backoffOver) {
		while (!this.closed.getAsBoolean()) {
			PendingWrite head = lane.head();
			if (head == null || lane.hasInFlight() || head.undecided || head.state() != State.WAITING) {
				return null;
			}
			if (!head.loaded && this.queue.holdsParked(lane.key)) {
				// older writes of the key (or of its hash) are parked: they are loaded and go first
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

	@Nullable
	private static Throwable unwrap(@Nullable Throwable error) {
		Throwable current = error;
		while (current instanceof CompletionException && current.getCause() != null) {
			current = current.getCause();
		}
		return current;
	}

}
