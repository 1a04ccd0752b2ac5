package io.github.agentmemory.redis.recovery;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.recovery.journal.JournalCodec;

import org.springframework.lang.Nullable;

/**
 * The parked queued writes: once a write is answered {@code QUEUED}, nothing needs its
 * objects until it is replayed, so the queue keeps of it only what its promises need, in
 * chunked arrays (32 bytes a write and 8 to 16 for its key hash's count, plus its 24-byte
 * settlement future), and its payload: nothing more for a write committed to the recovery
 * journal, which holds it, else the write encoded by {@link JournalCodec} (about 40 bytes
 * more than its key and arguments, a third of the heap of the write's objects):
 * <ul>
 * <li>its journal id, which is its issue order among the writes of its key;</li>
 * <li>its priority (the list it is in) and its creation time, for the give-up order and
 * the maximum age; its own failed attempts, for the maximum attempts;</li>
 * <li>a 32-bit hash of its key, counted in {@link KeyHashCounts}, so that a write to the
 * key waits behind it: a collision can only make a write to another key wait
 * unnecessarily (until the parked writes of that hash are loaded), never reorder;</li>
 * <li>its settlement, which its caller may hold: it completes with the final outcome.</li>
 * </ul>
 * A journaled payload is read back from the journal, in batches, when the write is
 * replayed ({@link ParkedWriteLoader}) or given up with a settlement to complete; an
 * encoded one is decoded then.
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
	 * @param payload the encoded write, or {@code null} for a journaled one
	 */
	void add(Priority priority, long id, long createdNanos, int keyHash, int attempts,
			@Nullable CompletableFuture<WriteOutcome> settlement, @Nullable byte[] payload) {
		this.lists[priority.ordinal()].add(id, createdNanos, keyHash, attempts, settlement, payload);
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
	 * The parked writes to load back next, without taking them out: the most important
	 * first, each priority's oldest first, up to the limit; with them every older parked
	 * write of their key hashes, whatever its priority, so that a loaded write never has an
	 * older parked write of its key (<b>I2</b>). If those older writes are more than a limit's
	 * worth (a key with many queued writes before a more important one), the oldest writes
	 * are chosen instead ({@link #oldest}), whose older writes are always among them.
	 * @param limit most writes, but for the older writes of their keys
	 * @return the writes, by id
	 */
	List<ParkedWrite> toLoad(int limit) {
		int[] taken = new int[PRIORITIES.length];
		int count = 0;
		// key hashes with other parked writes -> the newest chosen id: their older writes come too
		Map<Integer, Long> newest = null;
		long bound = Long.MIN_VALUE;
		for (int i = 0; i < PRIORITIES.length && count < limit; i++) {
			ParkedList list = this.lists[i];
			for (; taken[i] < list.size && count < limit; taken[i]++, count++) {
				int hash = list.hash(taken[i]);
				if (this.keys.count(hash) > 1) {
					long id = list.id(taken[i]);
					newest = (newest != null) ? newest : new HashMap<>();
					newest.merge(hash, id, Math::max);
					bound = Math.max(bound, id);
				}
			}
		}
		List<ParkedWrite> writes = new ArrayList<>(count);
		for (int i = 0; i < PRIORITIES.length; i++) {
			for (int j = 0; j < taken[i]; j++) {
				writes.add(this.lists[i].get(PRIORITIES[i], j));
			}
		}
		if (newest != null) {
			int older = 0;
			for (int i = 0; i < PRIORITIES.length; i++) {
				ParkedList list = this.lists[i];
				// a list is ordered by id: past the newest chosen id nothing is older
				for (int j = taken[i]; j < list.size && list.id(j) < bound; j++) {
					Long newestOfKey = newest.get(list.hash(j));
					if (newestOfKey != null && list.id(j) < newestOfKey) {
						if (++older > limit) {
							return oldest(limit);
						}
						writes.add(list.get(PRIORITIES[i], j));
					}
				}
			}
		}
		writes.sort(Comparator.comparingLong(ParkedWrite::id));
		return writes;
	}

	/**
	 * Every parked write of a key hash, without taking them out.
	 * @param keyHash the hash
	 * @return the writes, by id
	 */
	List<ParkedWrite> withHash(int keyHash) {
		List<ParkedWrite> writes = new ArrayList<>();
		if (!holds(keyHash)) {
			return writes;
		}
		// the scan ends once it found as many as are counted under the hash
		int left = this.keys.count(keyHash);
		for (int i = 0; i < PRIORITIES.length && left > 0; i++) {
			ParkedList list = this.lists[i];
			for (int j = 0; j < list.size && left > 0; j++) {
				if (list.hash(j) == keyHash) {
					writes.add(list.get(PRIORITIES[i], j));
					left--;
				}
			}
		}
		writes.sort(Comparator.comparingLong(ParkedWrite::id));
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
	 * One priority's parked writes, ordered by id, as a ring buffer over chunked columns:
	 * three longs per write (id, creation time, key hash with attempts), its settlement and
	 * its payload. Chunks of 4,096 keep every array small: a large array would be a
	 * humongous object to G1, taking whole regions.
	 */
	private static final class ParkedList {

		private static final int INITIAL = 16;

		private static final int CHUNK = 4096;

		private final LongChunks longs = new LongChunks(INITIAL * 3);

		private final ObjectChunks settlements = new ObjectChunks(INITIAL);

		private final ObjectChunks payloads = new ObjectChunks(INITIAL);

		private int capacity = INITIAL;

		private int head;

		int size;

		private int slot(int index) {
			int slot = this.head + index;
			return (slot >= this.capacity) ? slot - this.capacity : slot;
		}

		long id(int index) {
			return this.longs.get(slot(index) * 3);
		}

		long created(int index) {
			return this.longs.get(slot(index) * 3 + 1);
		}

		int hash(int index) {
			return (int) (this.longs.get(slot(index) * 3 + 2) >>> 32);
		}

		@SuppressWarnings("unchecked")
		ParkedWrite get(Priority priority, int index) {
			int slot = slot(index);
			long hashAndAttempts = this.longs.get(slot * 3 + 2);
			return new ParkedWrite(this.longs.get(slot * 3), priority, this.longs.get(slot * 3 + 1),
					(int) (hashAndAttempts & 0xFF), (CompletableFuture<WriteOutcome>) this.settlements.get(slot),
					(byte[]) this.payloads.get(slot));
		}

		void add(long id, long createdNanos, int keyHash, int attemptCount, @Nullable Object settlement,
				@Nullable byte[] payload) {
			if (this.size == this.capacity) {
				resize(grown(this.capacity));
			}
			int index = this.size;
			// parked out of id order (rare): move the newer ones up by one
			while (index > 0 && id(index - 1) > id) {
				copy(slot(index - 1), slot(index));
				index--;
			}
			int slot = slot(index);
			this.longs.set(slot * 3, id);
			this.longs.set(slot * 3 + 1, createdNanos);
			this.longs.set(slot * 3 + 2, ((long) keyHash << 32) | Math.min(attemptCount, 0xFF));
			this.settlements.set(slot, settlement);
			this.payloads.set(slot, payload);
			this.size++;
		}

		int indexOf(long id) {
			if (this.size > 0 && id(0) == id) {
				// a drain loads the oldest writes back: most removals are of the head
				return 0;
			}
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
			this.settlements.set(this.head, null);
			this.payloads.set(this.head, null);
			this.head = slot(1);
			this.size--;
			if (this.size == 0) {
				this.head = 0;
				if (this.capacity > INITIAL) {
					// drained: give the memory back
					resize(INITIAL);
				}
			}
		}

		/**
		 * The next capacity: doubled while small, then an eighth more, rounded up to whole
		 * chunks (chunked columns need no power of two): little unused room per write, at
		 * the price of more frequent copies while the queue grows.
		 */
		private static int grown(int capacity) {
			if (capacity < CHUNK) {
				return capacity * 2;
			}
			int next = capacity + Math.max(CHUNK, capacity / 8);
			return (next + CHUNK - 1) / CHUNK * CHUNK;
		}

		private void copy(int from, int to) {
			for (int i = 0; i < 3; i++) {
				this.longs.set(to * 3 + i, this.longs.get(from * 3 + i));
			}
			this.settlements.set(to, this.settlements.get(from));
			this.payloads.set(to, this.payloads.get(from));
		}

		private void resize(int newCapacity) {
			LongChunks newLongs = new LongChunks(newCapacity * 3);
			ObjectChunks newSettlements = new ObjectChunks(newCapacity);
			ObjectChunks newPayloads = new ObjectChunks(newCapacity);
			for (int i = 0; i < this.size; i++) {
				int slot = slot(i);
				for (int j = 0; j < 3; j++) {
					newLongs.set(i * 3 + j, this.longs.get(slot * 3 + j));
				}
				newSettlements.set(i, this.settlements.get(slot));
				newPayloads.set(i, this.payloads.get(slot));
			}
			this.longs.replaceWith(newLongs);
			this.settlements.replaceWith(newSettlements);
			this.payloads.replaceWith(newPayloads);
			this.capacity = newCapacity;
			this.head = 0;
		}

	}

	/**
	 * A fixed-length array of longs in chunks of 4,096 (32 KB): never a humongous object.
	 */
	static final class LongChunks {

		private static final int SHIFT = 12;

		private static final int MASK = (1 << SHIFT) - 1;

		private long[][] chunks;

		LongChunks(int length) {
			int count = (length + MASK) >>> SHIFT;
			this.chunks = new long[count][];
			for (int i = 0; i < count; i++) {
				this.chunks[i] = new long[Math.min(MASK + 1, length - (i << SHIFT))];
			}
		}

		long get(int index) {
			return this.chunks[index >>> SHIFT][index & MASK];
		}

		void set(int index, long value) {
			this.chunks[index >>> SHIFT][index & MASK] = value;
		}

		void replaceWith(LongChunks other) {
			this.chunks = other.chunks;
		}

	}

	/**
	 * A fixed-length array of references in chunks of 4,096: never a humongous object.
	 */
	static final class ObjectChunks {

		private static final int SHIFT = 12;

		private static final int MASK = (1 << SHIFT) - 1;

		private Object[][] chunks;

		ObjectChunks(int length) {
			int count = (length + MASK) >>> SHIFT;
			this.chunks = new Object[count][];
			for (int i = 0; i < count; i++) {
				this.chunks[i] = new Object[Math.min(MASK + 1, length - (i << SHIFT))];
			}
		}

		@Nullable
		Object get(int index) {
			return this.chunks[index >>> SHIFT][index & MASK];
		}

		void set(int index, @Nullable Object value) {
			this.chunks[index >>> SHIFT][index & MASK] = value;
		}

		void replaceWith(ObjectChunks other) {
			this.chunks = other.chunks;
		}

	}

	/**
	 * How many parked writes each key hash has: open addressing with linear probing over
	 * one chunked array of longs (hash in the high half, count in the low half), a slot
	 * being free when its count is zero, and deletion by shifting the probe chain back (no
	 * tombstones). At most half full.
	 */
	static final class KeyHashCounts {

		private static final int INITIAL = 16;

		private LongChunks slots = new LongChunks(INITIAL);

		private int capacity = INITIAL;

		private int used;

		int count(int hash) {
			int mask = this.capacity - 1;
			for (int slot = mix(hash) & mask;; slot = (slot + 1) & mask) {
				long value = this.slots.get(slot);
				if ((int) value == 0) {
					return 0;
				}
				if ((int) (value >>> 32) == hash) {
					return (int) value;
				}
			}
		}

		void increment(int hash) {
			if ((this.used + 1) * 2 > this.capacity) {
				rehash(this.capacity * 2);
			}
			int mask = this.capacity - 1;
			for (int slot = mix(hash) & mask;; slot = (slot + 1) & mask) {
				long value = this.slots.get(slot);
				if ((int) value == 0) {
					this.slots.set(slot, pack(hash, 1));
					this.used++;
					return;
				}
				if ((int) (value >>> 32) == hash) {
					this.slots.set(slot, value + 1);
					return;
				}
			}
		}

		void decrement(int hash) {
			int mask = this.capacity - 1;
			int slot = mix(hash) & mask;
			while (true) {
				long value = this.slots.get(slot);
				if ((int) value == 0) {
					throw new IllegalStateException("No parked write counted under hash " + hash);
				}
				if ((int) (value >>> 32) == hash) {
					break;
				}
				slot = (slot + 1) & mask;
			}
			long value = this.slots.get(slot) - 1;
			if ((int) value > 0) {
				this.slots.set(slot, value);
				return;
			}
			this.slots.set(slot, 0);
			this.used--;
			// shift back the entries of the probe chain that the freed slot would cut off
			int free = slot;
			for (int next = (free + 1) & mask; (int) this.slots.get(next) != 0; next = (next + 1) & mask) {
				long moved = this.slots.get(next);
				int home = mix((int) (moved >>> 32)) & mask;
				boolean movable = (free <= next) ? (home <= free || home > next) : (home <= free && home > next);
				if (movable) {
					this.slots.set(free, moved);
					this.slots.set(next, 0);
					free = next;
				}
			}
			if (this.used == 0 && this.capacity > INITIAL) {
				this.slots = new LongChunks(INITIAL);
				this.capacity = INITIAL;
			}
		}

		int used() {
			return this.used;
		}

		private void rehash(int newCapacity) {
			LongChunks old = this.slots;
			int oldCapacity = this.capacity;
			this.slots = new LongChunks(newCapacity);
			this.capacity = newCapacity;
			int mask = newCapacity - 1;
			for (int i = 0; i < oldCapacity; i++) {
				long value = old.get(i);
				if ((int) value != 0) {
					int slot = mix((int) (value >>> 32)) & mask;
					while ((int) this.slots.get(slot) != 0) {
						slot = (slot + 1) & mask;
					}
					this.slots.set(slot, value);
				}
			}
		}

		private static long pack(int hash, int count) {
			return ((long) hash << 32) | (count & 0xFFFFFFFFL);
		}

		private static int mix(int hash) {
			int h = hash * 0x9E3779B9;
			return h ^ (h >>> 16);
		}

	}

}
