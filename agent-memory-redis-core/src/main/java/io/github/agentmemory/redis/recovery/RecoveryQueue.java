package io.github.agentmemory.redis.recovery;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import io.github.agentmemory.redis.command.Priority;

import org.springframework.lang.Nullable;
import org.springframework.util.Assert;

/**
 * The recovery queue: every write that was answered {@code QUEUED} and waits for Redis,
 * in one arrival-ordered list per priority (intrusive links: no node per write, removal in
 * constant time). It holds no write that merely waits for its own retry (<b>I5</b>).
 *
 * <p>
 * Invariants, all under this queue's monitor (it never calls out while holding it):
 * <ul>
 * <li>a write is linked here if and only if its state is
 * {@link PendingWrite.State#WAITING} and it is queued: linking publishes it as waiting,
 * and whoever unlinks it claims it ({@link #claimForSend} for the sender, eviction,
 * expiry and {@link #close()} for giving it up), so it is sent or given up, never both
 * (<b>I1</b>);</li>
 * <li>once {@link #close() closed}, nothing is linked again: a write offered afterwards
 * is refused, so none can slip in after the final sweep;</li>
 * <li>give-up order (<b>I4</b>): a full queue evicts the oldest write of the least
 * important priority present, and refuses a newcomer rather than evict a more important
 * write; expiry gives up an old write only while no less important write is queued.</li>
 * </ul>
 *
 * @author agent-memory-redis
 */
public final class RecoveryQueue {

	private static final Priority[] PRIORITIES = Priority.values();

	private final PendingWrite[] heads = new PendingWrite[PRIORITIES.length];

	private final PendingWrite[] tails = new PendingWrite[PRIORITIES.length];

	private final int[] sizes = new int[PRIORITIES.length];

	private final int capacity;

	private final RecoveryCounters counters;

	/** Written under the monitor, read without it by {@link #size()}. */
	private volatile int size;

	private boolean closed;

	/**
	 * Create a queue.
	 * @param capacity most writes waiting at once
	 * @param counters where enqueued writes are counted
	 */
	public RecoveryQueue(int capacity, RecoveryCounters counters) {
		Assert.isTrue(capacity >= 1, "'capacity' must be at least 1");
		Assert.notNull(counters, "'counters' must not be null");
		this.capacity = capacity;
		this.counters = counters;
	}

	/**
	 * Most writes waiting at once.
	 * @return the capacity
	 */
	public int capacity() {
		return this.capacity;
	}

	/**
	 * Number of writes waiting now, read without locking.
	 * @return the size
	 */
	public int size() {
		return this.size;
	}

	/**
	 * What waits now, per priority, and what happened so far.
	 * @return a snapshot
	 */
	public RecoveryStats stats() {
		Map<Priority, Integer> sizes = new EnumMap<>(Priority.class);
		synchronized (this) {
			for (Priority priority : PRIORITIES) {
				sizes.put(priority, this.sizes[priority.ordinal()]);
			}
		}
		return this.counters.snapshot(sizes);
	}

	/**
	 * Link a write the caller owns (state {@code SENDING}) and publish it as waiting,
	 * evicting the least important oldest write if the queue is full.
	 * @param write the write
	 * @param evicted receives the write given up to make room, claimed as done
	 * @return {@code false} if the write was refused (closed, or full of more important
	 * writes): it stays the caller's
	 */
	synchronized boolean offer(PendingWrite write, List<PendingWrite> evicted) {
		if (this.closed) {
			return false;
		}
		if (this.size >= this.capacity) {
			PendingWrite victim = leastImportantOldest();
			if (victim == null || victim.queuePriority().compareTo(write.queuePriority()) < 0) {
				return false;
			}
			claim(victim, PendingWrite.State.DONE);
			evicted.add(victim);
		}
		link(write);
		boolean published = write.claim(PendingWrite.State.SENDING, PendingWrite.State.WAITING);
		Assert.state(published, "Only a write its caller owns can be queued");
		if (!write.counted) {
			write.counted = true;
			this.counters.enqueued(write.queuePriority());
		}
		return true;
	}

	/**
	 * Take a waiting write out to send it.
	 * @param write the write
	 * @return whether the caller now owns it ({@code false}: it was given up meanwhile)
	 */
	synchronized boolean claimForSend(PendingWrite write) {
		if (!write.linked) {
			return false;
		}
		claim(write, PendingWrite.State.SENDING);
		return true;
	}

	/**
	 * Give up the writes that waited longer than the maximum age, least important first,
	 * and none while a less important write is still queued.
	 * @param oldestNanos writes created before this time are expired
	 * @return the writes given up, claimed as done
	 */
	synchronized List<PendingWrite> expire(long oldestNanos) {
		List<PendingWrite> expired = new ArrayList<>();
		for (int i = PRIORITIES.length - 1; i >= 0; i--) {
			while (this.heads[i] != null && this.heads[i].createdNanos - oldestNanos < 0) {
				PendingWrite write = this.heads[i];
				claim(write, PendingWrite.State.DONE);
				expired.add(write);
			}
			if (this.heads[i] != null) {
				break;
			}
		}
		return expired;
	}

	/**
	 * Whether a write less important than the given priority waits.
	 * @param priority the priority
	 * @return whether one does
	 */
	synchronized boolean hasLessImportantThan(Priority priority) {
		for (int i = priority.ordinal() + 1; i < PRIORITIES.length; i++) {
			if (this.sizes[i] > 0) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The waiting writes, counted by a function of their key (on Redis Cluster, the
	 * breaker of the key's master). Visits every waiting write under the queue's lock.
	 * @param <K> the type of the function's result
	 * @param classifier the function of a key
	 * @return count per result, in no particular order
	 */
	public synchronized <K> Map<K, Integer> countByKey(Function<String, K> classifier) {
		Map<K, Integer> counts = new HashMap<>();
		for (int i = 0; i < PRIORITIES.length; i++) {
			for (PendingWrite write = this.heads[i]; write != null; write = write.next) {
				counts.merge(classifier.apply(write.key()), 1, Integer::sum);
			}
		}
		return counts;
	}

	/**
	 * Keys with waiting writes, most important and oldest first.
	 * @param limit most keys
	 * @return the keys
	 */
	synchronized List<String> keysToReplay(int limit) {
		Set<String> keys = new LinkedHashSet<>();
		for (int i = 0; i < PRIORITIES.length && keys.size() < limit; i++) {
			for (PendingWrite write = this.heads[i]; write != null && keys.size() < limit; write = write.next) {
				keys.add(write.key());
			}
		}
		return new ArrayList<>(keys);
	}

	/**
	 * Refuse every write from now on and give up all that wait.
	 * @return the writes given up, claimed as done
	 */
	synchronized List<PendingWrite> close() {
		this.closed = true;
		List<PendingWrite> remaining = new ArrayList<>(this.size);
		for (int i = 0; i < PRIORITIES.length; i++) {
			while (this.heads[i] != null) {
				PendingWrite write = this.heads[i];
				claim(write, PendingWrite.State.DONE);
				remaining.add(write);
			}
		}
		return remaining;
	}

	@Nullable
	private PendingWrite leastImportantOldest() {
		for (int i = PRIORITIES.length - 1; i >= 0; i--) {
			if (this.heads[i] != null) {
				return this.heads[i];
			}
		}
		return null;
	}

	private void claim(PendingWrite write, PendingWrite.State to) {
		boolean claimed = write.claim(PendingWrite.State.WAITING, to);
		Assert.state(claimed, "A linked write is waiting");
		unlink(write);
	}

	/**
	 * Link a write where its age puts it: a new write goes last; one whose replay failed
	 * goes back among the writes of its age (near the front), so that expiry and eviction,
	 * which look at the front, still meet the oldest first.
	 */
	private void link(PendingWrite write) {
		int i = write.queuePriority().ordinal();
		PendingWrite after = this.tails[i];
		if (after != null && after.createdNanos - write.createdNanos > 0) {
			// older than the newest: walk from the front, where the old writes are
			after = null;
			for (PendingWrite older = this.heads[i]; older != null
					&& older.createdNanos - write.createdNanos <= 0; older = older.next) {
				after = older;
			}
		}
		write.previous = after;
		write.next = (after != null) ? after.next : this.heads[i];
		if (write.next != null) {
			write.next.previous = write;
		}
		else {
			this.tails[i] = write;
		}
		if (after != null) {
			after.next = write;
		}
		else {
			this.heads[i] = write;
		}
		write.linked = true;
		this.sizes[i]++;
		this.size++;
	}

	private void unlink(PendingWrite write) {
		int i = write.queuePriority().ordinal();
		if (write.previous != null) {
			write.previous.next = write.next;
		}
		else {
			this.heads[i] = write.next;
		}
		if (write.next != null) {
			write.next.previous = write.previous;
		}
		else {
			this.tails[i] = write.previous;
		}
		write.previous = null;
		write.next = null;
		write.linked = false;
		this.sizes[i]--;
		this.size--;
	}

}
