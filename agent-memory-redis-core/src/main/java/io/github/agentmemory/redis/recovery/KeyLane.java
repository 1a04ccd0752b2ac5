package io.github.agentmemory.redis.recovery;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.function.Consumer;

import org.springframework.lang.Nullable;

/**
 * One key's writes between issue and outcome: those in flight, in the order they were
 * sent, and those waiting, in issue order. All fields are guarded by the lane's monitor.
 *
 * <p>
 * Invariants (the {@link WriteSequencer} keeps them):
 * <ul>
 * <li>a new write is sent at once only while nothing waits and no earlier write is being
 * sent again ({@link #blocksNewWrites()}): writes pipeline on the happy path, and a
 * resent or replayed write is never overtaken;</li>
 * <li>a waiting write is sent only while nothing of its key is in flight, oldest first
 * (<b>I2</b>);</li>
 * <li>a lane with nothing in flight and nothing waiting is retired and removed from the
 * map; a retired lane is never used again.</li>
 * </ul>
 *
 * @author agent-memory-redis
 */
final class KeyLane {

	final String key;

	/**
	 * The oldest write in flight, if any: most lanes never have a second one, so no deque
	 * is allocated for them. Older than every write in {@link #moreInFlight}.
	 */
	@Nullable
	private PendingWrite firstInFlight;

	/** The later writes in flight, in the order they were sent; created for a second one. */
	@Nullable
	private ArrayDeque<PendingWrite> moreInFlight;

	/** Created when a first write waits: most lanes never have one. */
	@Nullable
	private ArrayDeque<PendingWrite> waiting;

	/** Writes sent from {@link #waiting} that are in flight. */
	int resentInFlight;

	boolean retired;

	KeyLane(String key) {
		this.key = key;
	}

	boolean blocksNewWrites() {
		return hasWaiting() || this.resentInFlight > 0;
	}

	/** Whether a write that is not done waits (done ones at the front are dropped). */
	boolean hasWaiting() {
		return head() != null;
	}

	boolean isIdle() {
		return !hasInFlight() && !hasWaiting();
	}

	boolean hasInFlight() {
		return this.firstInFlight != null || (this.moreInFlight != null && !this.moreInFlight.isEmpty());
	}

	/**
	 * Add a write that is being sent, after those already in flight.
	 * @param write the write
	 */
	void addInFlight(PendingWrite write) {
		if (this.firstInFlight == null && (this.moreInFlight == null || this.moreInFlight.isEmpty())) {
			this.firstInFlight = write;
			return;
		}
		if (this.moreInFlight == null) {
			this.moreInFlight = new ArrayDeque<>(4);
		}
		this.moreInFlight.addLast(write);
	}

	/**
	 * Whether a write issued after the given sequence is in flight.
	 * @param sequence the sequence
	 * @return whether one is
	 */
	boolean hasInFlightAfter(long sequence) {
		if (this.firstInFlight != null && this.firstInFlight.sequence > sequence) {
			return true;
		}
		if (this.moreInFlight != null) {
			for (PendingWrite write : this.moreInFlight) {
				if (write.sequence > sequence) {
					return true;
				}
			}
		}
		return false;
	}

	/**
	 * Add a waiting write where its sequence puts it (a failed write goes before newer
	 * waiting ones).
	 * @param write the write
	 */
	void addWaiting(PendingWrite write) {
		if (this.waiting == null) {
			this.waiting = new ArrayDeque<>(2);
		}
		if (this.waiting.isEmpty() || this.waiting.peekLast().sequence < write.sequence) {
			this.waiting.addLast(write);
			return;
		}
		ArrayDeque<PendingWrite> newer = new ArrayDeque<>();
		while (!this.waiting.isEmpty() && this.waiting.peekLast().sequence > write.sequence) {
			newer.addFirst(this.waiting.pollLast());
		}
		this.waiting.addLast(write);
		this.waiting.addAll(newer);
	}

	/**
	 * The oldest waiting write that is not done, dropping done ones from the front.
	 * @return the head, or {@code null}
	 */
	@Nullable
	PendingWrite head() {
		if (this.waiting == null) {
			return null;
		}
		while (!this.waiting.isEmpty() && this.waiting.peekFirst().isDone()) {
			this.waiting.pollFirst();
		}
		return this.waiting.peekFirst();
	}

	/**
	 * Move the head from waiting to in flight.
	 * @return the head
	 */
	PendingWrite sendHead() {
		PendingWrite head = this.waiting.pollFirst();
		head.resent = true;
		this.resentInFlight++;
		addInFlight(head);
		return head;
	}

	void removeInFlight(PendingWrite write) {
		if (this.firstInFlight == write) {
			this.firstInFlight = null;
		}
		else if (this.moreInFlight != null) {
			this.moreInFlight.remove(write);
		}
		if (write.resent) {
			write.resent = false;
			this.resentInFlight--;
		}
	}

	void removeWaiting(PendingWrite write) {
		if (this.waiting != null) {
			this.waiting.remove(write);
		}
	}

	/**
	 * Whether its newest waiting write that is not done was not loaded back from the park
	 * ({@link PendingWrite#loaded}): such a write, newer than every parked write of the key,
	 * can only be sent once they are all loaded. Visits the waiting writes from the newest,
	 * past done ones only.
	 * @return whether it waits for parked writes to be loaded (if any are parked)
	 */
	boolean newestWaitingNotLoaded() {
		if (this.waiting == null) {
			return false;
		}
		for (Iterator<PendingWrite> it = this.waiting.descendingIterator(); it.hasNext();) {
			PendingWrite write = it.next();
			if (!write.isDone()) {
				return !write.loaded;
			}
		}
		return false;
	}

	/**
	 * Number of waiting writes, done ones included until they are purged.
	 * @return the number
	 */
	int waitingCount() {
		return (this.waiting != null) ? this.waiting.size() : 0;
	}

	/** Forget waiting writes that are done (given up by the queue meanwhile). */
	void purge() {
		if (this.waiting != null) {
			this.waiting.removeIf(PendingWrite::isDone);
		}
	}

	/**
	 * Visit the waiting writes, oldest first; the visitor may not change the lane.
	 * @param visitor the visitor
	 */
	void forEachWaiting(Consumer<PendingWrite> visitor) {
		if (this.waiting != null) {
			for (Iterator<PendingWrite> it = this.waiting.iterator(); it.hasNext();) {
				visitor.accept(it.next());
			}
		}
	}

}
