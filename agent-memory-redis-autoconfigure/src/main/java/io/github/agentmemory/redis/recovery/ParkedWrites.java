package io.github.agentmemory.redis.recovery;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.WriteOutcome;

import org.springframework.lang.Nullable;

/**
 * The queued writes that are kept in the recovery journal only: once a write is answered
 * {@code QUEUED} and committed to the journal, nothing in memory needs its payload until
 * it is replayed, so the queue keeps of it only what its promises need, in arrays (about
 * 30 bytes a write, plus its settlement future):
 * <ul>
 * <li>its journal id, which is its issue order among the writes of its key;</li>
 * <li>its priority (the list it is in) and its creation time, for the give-up order and
 * the maximum age; its own failed attempts, for the maximum attempts;</li>
 * <li>a 32-bit hash of its key, counted in {@link KeyHashCounts}, so that a write to the
 * key waits behind it: a collision can only make a write to another key wait
 * unnecessarily (until the parked writes of that hash are loaded), never reorder;</li>
 * <li>its settlement, which its caller may hold: it completes with the final outcome.</li>
 * </ul>
 * The payload is read back from the journal, in batches, when the write is replayed
 * ({@link ParkedWriteLoader}) or given up with a settlement to complete.
 *
 * <p>
 * Each priority's writes are in one list ordered by journal id (oldest first); the
 * lists are ring buffers whose elements shift only for a write parked out of order,
 * which is rare (appends answered out of issue order). Not thread-safe: guarded by the
 * {@link RecoveryQueue}'s monitor.
 *
 * @author agent-memory-redis
 */
final class ParkedWrites {

	private static final Priority[] PRIORITIES = Priority.values();

	private final ParkedList[] lists = new ParkedList[PRIORITIES.length];

	private final KeyHashCounts keys = new KeyHashCounts();

	private int size;

	ParkedWrites() {
		for (int i = 0; i < this.lists.length; i++) {
			this.lists[i] = new ParkedList();
		}
	}

	int size() {
		return this.size;
	}

	int size(Priority priority) {
		return this.lists[priority.ordinal()].size;
	}

	/**
	 * Park a write.
	 * @param priority its priority
	 * @param id its journal id
	 * @param createdNanos when it was issued
	 * @param keyHash {@link #hash(String)} of its key
	 * @param attempts its own failed sends so far
	 * @param settlement its settlement, or {@code null}
	 */
	void add(Priority priority, long id, long createdNanos, int keyHash, int attempts,
			@Nullable CompletableFuture<WriteOutcome> settlement) {
		this.lists[priority.ordinal()].add(id, createdNanos, keyHash, attempts, settlement);
		this.keys.increment(keyHash);
		this.size++;
	}

	/**
	 * Whether a write to the key (or to a key of the same hash) is parked.
	 * @param keyHash the key's hash
	 * @return whether one is
	 */
	boolean holds(int keyHash) {
		return this.size > 0 && this.keys.count(keyHash) > 0;
	}

	/**
	 * Creation time of the oldest parked write of a priority.
	 * @param priority the priority, which must have parked writes
	 * @return the time
	 */
	long oldestCreated(Priority priority) {
		return this.lists[priority.ordinal()].created(0);
	}

	/**
	 * Take out the oldest parked write of a priority.
	 * @param priority the priority, which must have parked writes
	 * @return the write
	 */
	ParkedWrite removeOldest(Priority priority) {
		return removeAt(priority, 0);
	}

	/**
	 * Take out a parked write by id.
	 * @param priority its priority
	 * @param id its journal id
	 * @return the write, or {@code null} if it is not parked (any more)
	 */
	@Nullable
	ParkedWrite remove(Priority priority, long id) {
		int index = this.lists[priority.ordinal()].indexOf(id);
		return (index >= 0) ? removeAt(priority, index) : null;
	}

	/**
	 * The oldest parked writes of all priorities, by journal id, without taking them out:
	 * loading these can always unblock a write that waits behind a parked one.
	 * @param limit most writes
	 * @return the writes
	 */
	List<ParkedWrite> oldest(int limit) {
		List<ParkedWrite> writes = new ArrayList<>(Math.min(limit, this.size));
		int[] next = new int[PRIORITIES.length];
		while (writes.size() < limit) {
			int pick = -1;
			for (int i = 0; i < PRIORITIES.length; i++) {
				ParkedList list = this.lists[i];
				if (next[i] < list.size && (pick < 0 || list.id(next[i]) < this.lists[pick].id(next[pick]))) {
					pick = i;
				}
			}
			if (pick < 0) {
				break;
			}
			writes.add(this.lists[pick].get(PRIORITIES[pick], next[pick]++));
		}
		return writes;
	}

	/**
	 * Take out every parked write.
	 * @param into receives them, most important first
	 */
	void removeAll(List<ParkedWrite> into) {
		for (int i = 0; i < PRIORITIES.length; i++) {
			while (this.lists[i].size > 0) {
				into.add(removeAt(PRIORITIES[i], 0));
			}
		}
	}

	private ParkedWrite removeAt(Priority priority, int index) {
		ParkedList list = this.lists[priority.ordinal()];
		ParkedWrite write = list.get(priority, index);
		this.keys.decrement(list.hash(index));
		list.removeAt(index);
		this.size--;
		return write;
	}

	/**
	 * The hash of a key that parked writes are counted under: 64-bit FNV-1a over its
	 * characters, mixed and folded to 32 bits (a String's own hash collides for many
	 * short keys).
	 * @param key the key
	 * @return the hash
	 */
	static int hash(String key) {
		long hash = 0xcbf29ce484222325L;
		for (int i = 0; i < key.length(); i++) {
			hash ^= key.charAt(i);
			hash *= 0x100000001b3L;
		}
		hash ^= hash >>> 33;
		hash *= 0xff51afd7ed558ccdL;
		hash ^= hash >>> 33;
		return (int) (hash ^ (hash >>> 32));
	}

	/**
	 * One priority's parked writes, ordered by journal id, in parallel arrays used as a
	 * ring buffer.
	 */
	private static final class ParkedList {

		private static final int INITIAL = 16;

		private long[] ids = new long[INITIAL];

		private long[] created = new long[INITIAL];

		private int[] hashes = new int[INITIAL];

		private byte[] attempts = new byte[INITIAL];

		private Object[] settlements = new Object[INITIAL];

		private int head;

		int size;

		private int slot(int index) {
			int slot = this.head + index;
			return (slot >= this.ids.length) ? slot - this.ids.length : slot;
		}

		long id(int index) {
			return this.ids[slot(index)];
		}

		long created(int index) {
			return this.created[slot(index)];
		}

		int hash(int index) {
			return this.hashes[slot(index)];
		}

		@SuppressWarnings("unchecked")
		ParkedWrite get(Priority priority, int index) {
			int slot = slot(index);
			return new ParkedWrite(this.ids[slot], priority, this.created[slot], this.attempts[slot],
					(CompletableFuture<WriteOutcome>) this.settlements[slot]);
		}

		void add(long id, long createdNanos, int keyHash, int attemptCount, @Nullable Object settlement) {
			if (this.size == this.ids.length) {
				resize(this.ids.length * 2);
			}
			int index = this.size;
			// parked out of id order (rare): move the newer ones up by one
			while (index > 0 && id(index - 1) > id) {
				copy(slot(index - 1), slot(index));
				index--;
			}
			int slot = slot(index);
			this.ids[slot] = id;
			this.created[slot] = createdNanos;
			this.hashes[slot] = keyHash;
			this.attempts[slot] = (byte) Math.min(attemptCount, Byte.MAX_VALUE);
			this.settlements[slot] = settlement;
			this.size++;
		}

		int indexOf(long id) {
			int low = 0;
			int high = this.size - 1;
			while (low <= high) {
				int middle = (low + high) >>> 1;
				long found = id(middle);
				if (found < id) {
					low = middle + 1;
				}
				else if (found > id) {
					high = middle - 1;
				}
				else {
					return middle;
				}
			}
			return -1;
		}

		void removeAt(int index) {
			// close the gap from the front: removals are near the front
			for (int i = index; i > 0; i--) {
				copy(slot(i - 1), slot(i));
			}
			this.settlements[this.head] = null;
			this.head = slot(1);
			this.size--;
			if (this.size == 0) {
				this.head = 0;
				if (this.ids.length > INITIAL) {
					// drained: give the memory back
					resize(INITIAL);
				}
			}
		}

		private void copy(int from, int to) {
			this.ids[to] = this.ids[from];
			this.created[to] = this.created[from];
			this.hashes[to] = this.hashes[from];
			this.attempts[to] = this.attempts[from];
			this.settlements[to] = this.settlements[from];
		}

		private void resize(int capacity) {
			long[] newIds = new long[capacity];
			long[] newCreated = new long[capacity];
			int[] newHashes = new int[capacity];
			byte[] newAttempts = new byte[capacity];
			Object[] newSettlements = new Object[capacity];
			for (int i = 0; i < this.size; i++) {
				int slot = slot(i);
				newIds[i] = this.ids[slot];
				newCreated[i] = this.created[slot];
				newHashes[i] = this.hashes[slot];
				newAttempts[i] = this.attempts[slot];
				newSettlements[i] = this.settlements[slot];
			}
			this.ids = newIds;
			this.created = newCreated;
			this.hashes = newHashes;
			this.attempts = newAttempts;
			this.settlements = newSettlements;
			this.head = 0;
		}

	}

	/**
	 * How many parked writes each key hash has: open addressing with linear probing, a
	 * slot being free when its count is zero, and deletion by shifting the probe chain
	 * back (no tombstones).
	 */
	static final class KeyHashCounts {

		private static final int INITIAL = 16;

		private int[] hashes = new int[INITIAL];

		private int[] counts = new int[INITIAL];

		private int used;

		int count(int hash) {
			int mask = this.hashes.length - 1;
			for (int slot = mix(hash) & mask;; slot = (slot + 1) & mask) {
				if (this.counts[slot] == 0) {
					return 0;
				}
				if (this.hashes[slot] == hash) {
					return this.counts[slot];
				}
			}
		}

		void increment(int hash) {
			if ((this.used + 1) * 2 > this.hashes.length) {
				rehash(this.hashes.length * 2);
			}
			int mask = this.hashes.length - 1;
			for (int slot = mix(hash) & mask;; slot = (slot + 1) & mask) {
				if (this.counts[slot] == 0) {
					this.hashes[slot] = hash;
					this.counts[slot] = 1;
					this.used++;
					return;
				}
				if (this.hashes[slot] == hash) {
					this.counts[slot]++;
					return;
				}
			}
		}

		void decrement(int hash) {
			int mask = this.hashes.length - 1;
			int slot = mix(hash) & mask;
			while (this.hashes[slot] != hash || this.counts[slot] == 0) {
				if (this.counts[slot] == 0) {
					throw new IllegalStateException("No parked write counted under hash " + hash);
				}
				slot = (slot + 1) & mask;
			}
			if (--this.counts[slot] > 0) {
				return;
			}
			this.used--;
			// shift back the entries of the probe chain that the freed slot would cut off
			int free = slot;
			for (int next = (free + 1) & mask; this.counts[next] != 0; next = (next + 1) & mask) {
				int home = mix(this.hashes[next]) & mask;
				boolean movable = (free <= next) ? (home <= free || home > next) : (home <= free && home > next);
				if (movable) {
					this.hashes[free] = this.hashes[next];
					this.counts[free] = this.counts[next];
					this.counts[next] = 0;
					free = next;
				}
			}
			if (this.used == 0 && this.hashes.length > INITIAL) {
				this.hashes = new int[INITIAL];
				this.counts = new int[INITIAL];
			}
		}

		private void rehash(int capacity) {
			int[] oldHashes = this.hashes;
			int[] oldCounts = this.counts;
			this.hashes = new int[capacity];
			this.counts = new int[capacity];
			int mask = capacity - 1;
			for (int i = 0; i < oldHashes.length; i++) {
				if (oldCounts[i] != 0) {
					int slot = mix(oldHashes[i]) & mask;
					while (this.counts[slot] != 0) {
						slot = (slot + 1) & mask;
					}
					this.hashes[slot] = oldHashes[i];
					this.counts[slot] = oldCounts[i];
				}
			}
		}

		private static int mix(int hash) {
			int h = hash * 0x9E3779B9;
			return h ^ (h >>> 16);
		}

		int used() {
			return this.used;
		}

		@Override
		public String toString() {
			return Arrays.toString(this.counts);
		}

	}

}
