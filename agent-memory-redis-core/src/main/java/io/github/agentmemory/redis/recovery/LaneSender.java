package io.github.agentmemory.redis.recovery;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;
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
	 * is already there when the sender returns is handled here, in a loop, and one that
	 * comes later on the thread that completes it: the stack never grows with the length
	 * of a lane.
	 * @return completes with whether the first write was applied
	 */
	CompletableFuture<Boolean> send(PendingWrite first) {
		CompletableFuture<Boolean> firstApplied = new CompletableFuture<>();
		send(first, firstApplied);
		return firstApplied;
	}

	/**
	 * Send a write and, while Redis applies them, the next writes of its key, as
	 * {@link #send(PendingWrite)} does.
	 * @param firstApplied completed with whether the first write was applied, or
	 * {@code null}
	 */
	void send(PendingWrite first, @Nullable CompletableFuture<Boolean> firstApplied) {
		PendingWrite write = first;
		CompletableFuture<Boolean> applied = firstApplied;
		while (write != null) {
			Reply reply = new Reply(write, applied);
			try {
				this.sender.send(write.toSend, reply);
			}
			catch (RuntimeException ex) {
				reply.accept(null, ex);
			}
			if (reply.leave()) {
				// not there yet: handled by the thread that completes it
				return;
			}
			write = reply.handle();
			applied = null;
		}
	}

	/**
	 * The reply of one write sent, handed over by the sender's callback: one object per
	 * write instead of a dependent future. A reply that comes on the sending thread while
	 * the sender is still sending (synchronously) is handled by the loop of
	 * {@link #send(PendingWrite, CompletableFuture)}, so the stack does not grow; any
	 * other reply is handled at once by the thread that brings it, as a dependent future
	 * would be. {@link #state} decides which, once: it leaves {@code SENDING} for
	 * {@code ANSWERED} (the sending thread's own reply, handled by the loop),
	 * {@code TAKEN} (another thread's reply while the sender was still sending) or
	 * {@code LEFT} (the loop went on: the reply, when it comes, is handled where it
	 * comes).
	 */
	private final class Reply implements BiConsumer<Object, Throwable> {

		private static final int SENDING = 0;

		private static final int ANSWERED = 1;

		private static final int TAKEN = 2;

		private static final int LEFT = 3;

		private static final VarHandle STATE;

		static {
			try {
				STATE = MethodHandles.lookup().findVarHandle(Reply.class, "state", int.class);
			}
			catch (ReflectiveOperationException ex) {
				throw new ExceptionInInitializerError(ex);
			}
		}

		private final PendingWrite write;

		@Nullable
		private final CompletableFuture<Boolean> applied;

		private final Thread sendingThread = Thread.currentThread();

		@SuppressWarnings("unused") // through STATE
		private volatile int state;

		/** Set by the sending thread's own reply; read by the same thread's loop. */
		@Nullable
		private Object value;

		@Nullable
		private Throwable error;

		Reply(PendingWrite write, @Nullable CompletableFuture<Boolean> applied) {
			this.write = write;
			this.applied = applied;
		}

		@Override
		public void accept(@Nullable Object value, @Nullable Throwable error) {
			Throwable cause = unwrap(error);
			if (Thread.currentThread() == this.sendingThread) {
				this.value = value;
				this.error = cause;
				if (STATE.compareAndSet(this, SENDING, ANSWERED)) {
					return;
				}
			}
			else {
				STATE.compareAndSet(this, SENDING, TAKEN);
			}
			try {
				PendingWrite next = completed(this.write, value, cause);
				if (next != null) {
					send(next, null);
				}
			}
			catch (RuntimeException | Error ex) {
				if (this.applied != null) {
					this.applied.completeExceptionally(ex);
				}
				throw ex;
			}
			if (this.applied != null) {
				this.applied.complete(cause == null);
			}
		}

		/**
		 * The sending loop is done sending this write.
		 * @return whether the loop leaves the reply to the thread that brings it (or brought
		 * it); {@code false} if it came on the sending thread and the loop handles it
		 */
		boolean leave() {
			return (int) STATE.compareAndExchange(this, SENDING, LEFT) != ANSWERED;
		}

		/**
		 * Handle the reply on the sending thread (it came while the sender was sending).
		 * @return the key's next write to send, already moved in flight, or {@code null}
		 */
		@Nullable
		PendingWrite handle() {
			if (this.applied != null) {
				this.applied.complete(this.error == null);
			}
			return completed(this.write, this.value, this.error);
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
