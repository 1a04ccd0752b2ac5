package io.github.agentmemory.redis.recovery;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.WriteOutcome;

import org.springframework.lang.Nullable;
import org.springframework.util.Assert;

/**
 * The recovery queue: every write that was answered {@code QUEUED} and waits for Redis.
 * A write in memory is in one arrival-ordered list per priority (intrusive links: no node
 * per write, removal in constant time). A write first queued while it is its key's oldest
 * is <em>parked</em> instead ({@link ParkedWrites}): a journaled write's payload stays in
 * the journal, about 60 bytes stay on the heap; any other's is kept encoded, about a
 * third of the heap of its objects (on Redis Cluster only journaled writes are parked: the
 * per-master replay needs the keys in memory). Parked writes are loaded back for replay
 * ({@link ParkedWriteLoader}). It holds no write that merely waits for its own retry
 * (<b>I5</b>).
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
 * write; expiry gives up an old write only while no less important write is queued.
 * Parked writes count as queued writes of their priority for all of this (capacity,
 * eviction, expiry, sizes);</li>
 * <li>key order (<b>I2</b>): the parked writes of a key are older than every write of the
 * key in memory that were not loaded (a write is parked only while it is the oldest of its
 * key and nothing of the key is in flight, and a loaded write is never parked again);
 * while a write of a key's hash is parked, no such write of the key is sent
 * ({@link #holdsParked}). A parked write is loaded only together with every older parked
 * write of its key hash ({@link ParkedWrites#toLoad}), so a loaded write has no older
 * parked write of its key and goes back to its lane, in issue order, before any later
 * write of its key;</li>
 * <li>a parked write is taken out by exactly one party, under this monitor: loaded back
 * into its lane ({@link #unpark}), or given up.</li>
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

	private final ParkedWrites parked = new ParkedWrites();

	/** Written under the monitor, read without it by {@link #size()}; parked writes included. */
	private volatile int size;

	/** Parked writes: written under the monitor, read without it. */
	private volatile int parkedSize;

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
				sizes.put(priority, this.sizes[priority.ordinal()] + this.parked.size(priority));
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
	synchronized boolean offer(PendingWrite write, Victims evicted) {
		if (!makeRoom(write.queuePriority(), evicted)) {
			return false;
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
	 * Queue a write the caller owns as a parked write: from now on only the journal, or the
	 * payload, holds the write, and the caller forgets the {@link PendingWrite}.
	 * @param write the write, committed to the journal unless it has a payload
	 * @param payload the write encoded, or {@code null} for a journaled write
	 * @param evicted receives the write given up to make room
	 * @return {@code false} if the write was refused (closed, or full of more important
	 * writes): it stays the caller's
	 */
	synchronized boolean park(PendingWrite write, @Nullable byte[] payload, Victims evicted) {
		Assert.state(payload != null || write.journalId >= 0, "A parked write is journaled or encoded");
		if (!makeRoom(write.queuePriority(), evicted)) {
			return false;
		}
		addParked(write.queuePriority(), write.sequence, write.createdNanos, ParkedWrites.hash(write.key()),
				write.attempts, write.settlement, payload);
		if (!write.counted) {
			write.counted = true;
			this.counters.enqueued(write.queuePriority());
		}
		return true;
	}

	/**
	 * Queue a write the journal kept from the last run as a parked write.
	 * @param priority its priority
	 * @param id its journal id
	 * @param createdNanos when it was issued
	 * @param key its key
	 * @param evicted receives the write given up to make room
	 * @return {@code false} if the write was refused (full of more important writes)
	 */
	synchronized boolean parkRecovered(Priority priority, long id, long createdNanos, String key, Victims evicted) {
		if (!makeRoom(priority, evicted)) {
			return false;
		}
		addParked(priority, id, createdNanos, ParkedWrites.hash(key), 0, null, null);
		this.counters.enqueued(priority);
		return true;
	}

	/**
	 * Whether a write of the key's hash is parked: a write of the key must not be sent
	 * before the parked ones are loaded back (they are older). Cheap while nothing is
	 * parked.
	 * @param key the key
	 * @return whether one is
	 */
	boolean holdsParked(String key) {
		if (this.parkedSize == 0) {
			return false;
		}
		int hash = ParkedWrites.hash(key);
		synchronized (this) {
			return this.parked.holds(hash);
		}
	}

	/**
	 * Number of parked writes (whose payload, key included, is in the recovery journal
	 * only or encoded), read without locking.
	 * @return the number
	 */
	public int parkedSize() {
		return this.parkedSize;
	}

	/**
	 * Number of queued writes in memory (not parked), read without locking.
	 * @return the number
	 */
	int inMemorySize() {
		return this.size - this.parkedSize;
	}

	/**
	 * Parked writes to load back for replay, left parked: the most important first, with
	 * the older writes of their keys ({@link ParkedWrites#toLoad}).
	 * @param limit most writes, but for the older writes of their keys
	 * @return the writes, by id
	 */
	synchronized List<ParkedWrite> parkedToLoad(int limit) {
		return this.parked.toLoad(limit);
	}

	/**
	 * Every parked write of a key hash, left parked.
	 * @param keyHash the hash ({@link ParkedWrites#hash})
	 * @return the writes, by id
	 */
	synchronized List<ParkedWrite> parkedOfHash(int keyHash) {
		return this.parked.withHash(keyHash);
	}

	/**
	 * Put a parked write back in memory, loaded or decoded: it is linked as a
	 * waiting queued write, unless it was given up meanwhile. The caller holds its lane's
	 * monitor and adds it to the lane if this returns {@code true}.
	 * @param write the loaded write, state {@code SENDING}, with the parked write's id as
	 * sequence (and as journal id if it is journaled)
	 * @return whether it was still parked (and is now linked)
	 */
	synchronized boolean unpark(PendingWrite write) {
		if (this.closed || this.parked.remove(write.queuePriority(), write.sequence) == null) {
			return false;
		}
		this.parkedSize = this.parked.size();
		this.size--;
		link(write);
		write.counted = true;
		boolean published = write.claim(PendingWrite.State.SENDING, PendingWrite.State.WAITING);
		Assert.state(published, "A loaded write is its loader's");
		return true;
	}

	/**
	 * Give up a parked write that cannot be loaded (the journal lost it).
	 * @param priority its priority
	 * @param id its journal id
	 * @return the write, or {@code null} if it is no longer parked
	 */
	@Nullable
	synchronized ParkedWrite removeParked(Priority priority, long id) {
		ParkedWrite write = this.parked.remove(priority, id);
		if (write != null) {
			this.parkedSize = this.parked.size();
			this.size--;
		}
		return write;
	}

	private void addParked(Priority priority, long id, long createdNanos, int keyHash, int attempts,
			@Nullable CompletableFuture<WriteOutcome> settlement, @Nullable byte[] payload) {
		this.parked.add(priority, id, createdNanos, keyHash, attempts, settlement, payload);
		this.parkedSize = this.parked.size();
		this.size++;
	}

	/** Make room for a write of the priority, evicting if full; {@code false}: refused. */
	private boolean makeRoom(Priority priority, Victims evicted) {
		if (this.closed) {
			return false;
		}
		if (this.size >= this.capacity) {
			int victim = leastImportantPresent();
			if (victim < 0 || PRIORITIES[victim].compareTo(priority) < 0) {
				return false;
			}
			removeOldest(victim, evicted);
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
	synchronized Victims expire(long oldestNanos) {
		Victims expired = new Victims();
		for (int i = PRIORITIES.length - 1; i >= 0; i--) {
			while (hasAny(i) && oldestCreated(i) - oldestNanos < 0) {
				removeOldest(i, expired);
			}
			if (hasAny(i)) {
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
			if (hasAny(i)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * The waiting writes in memory, counted by a function of their key (on Redis Cluster,
	 * the breaker of the key's master); parked writes, whose keys are in the journal only,
	 * are not counted here (see {@link #parkedSize()}). Visits every waiting write in memory
	 * under the queue's lock.
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
	 * Keys with waiting writes in memory, most important and oldest first (parked writes
	 * are loaded into memory first, see {@link ParkedWriteLoader}).
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
	 * @return the writes given up, those in memory claimed as done
	 */
	synchronized Victims close() {
		this.closed = true;
		Victims remaining = new Victims();
		for (int i = 0; i < PRIORITIES.length; i++) {
			while (this.heads[i] != null) {
				PendingWrite write = this.heads[i];
				claim(write, PendingWrite.State.DONE);
				remaining.inMemory.add(write);
			}
		}
		this.parked.removeAll(remaining.parked);
		this.size -= remaining.parked.size();
		this.parkedSize = 0;
		return remaining;
	}

	/** The least important priority with a queued write, or -1. */
	private int leastImportantPresent() {
		for (int i = PRIORITIES.length - 1; i >= 0; i--) {
			if (hasAny(i)) {
				return i;
			}
		}
		return -1;
	}

	private boolean hasAny(int priority) {
		return this.heads[priority] != null || this.parked.size(PRIORITIES[priority]) > 0;
	}

	/** Creation time of the oldest write of a priority that has one. */
	private long oldestCreated(int priority) {
		PendingWrite head = this.heads[priority];
		if (this.parked.size(PRIORITIES[priority]) == 0) {
			return head.createdNanos;
		}
		long parkedCreated = this.parked.oldestCreated(PRIORITIES[priority]);
		return (head != null && head.createdNanos - parkedCreated < 0) ? head.createdNanos : parkedCreated;
	}

	/** Give up the oldest write of a priority that has one, in memory or parked. */
	private void removeOldest(int priority, Victims into) {
		PendingWrite head = this.heads[priority];
		boolean hasParked = this.parked.size(PRIORITIES[priority]) > 0;
		if (head != null && (!hasParked || head.createdNanos - this.parked.oldestCreated(PRIORITIES[priority]) < 0)) {
			claim(head, PendingWrite.State.DONE);
			into.inMemory.add(head);
			return;
		}
		into.parked.add(this.parked.removeOldest(PRIORITIES[priority]));
		this.parkedSize = this.parked.size();
		this.size--;
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

	/**
	 * Writes the queue gave up (evicted, expired, or left at close): those in memory,
	 * claimed as done, and parked ones.
	 */
	static final class Victims {

		final List<PendingWrite> inMemory = new ArrayList<>(1);

		final List<ParkedWrite> parked = new ArrayList<>(0);

		int size() {
			return this.inMemory.size() + this.parked.size();
		}

		boolean isEmpty() {
			return this.inMemory.isEmpty() && this.parked.isEmpty();
		}

	}

}
