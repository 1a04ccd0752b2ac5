package io.github.agentmemory.redis.recovery;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.github.agentmemory.redis.command.Priority;

import org.springframework.lang.Nullable;

/**
 * Every waiting write, in one arrival-ordered list per priority (intrusive links, so no
 * node is allocated and removal is constant time). It bounds the queue: when full, the
 * oldest write of the lowest priority makes room, unless it is more important than the
 * newcomer, which is then refused. All methods but {@link #size()} are guarded by this
 * index's monitor; it never calls out while holding it.
 *
 * @author agent-memory-redis
 */
final class PriorityIndex {

	private static final Priority[] PRIORITIES = Priority.values();

	private final PendingWrite[] heads = new PendingWrite[PRIORITIES.length];

	private final PendingWrite[] tails = new PendingWrite[PRIORITIES.length];

	private final int[] sizes = new int[PRIORITIES.length];

	private final int capacity;

	/** Written under this index's monitor, read without it ({@link #size()}). */
	private volatile int size;

	PriorityIndex(int capacity) {
		this.capacity = capacity;
	}

	/**
	 * Add a write, making room if needed.
	 * @param write the write
	 * @return the write given up to make room (possibly {@code write} itself), or
	 * {@code null}
	 */
	@Nullable
	synchronized PendingWrite add(PendingWrite write) {
		PendingWrite evicted = null;
		if (this.size >= this.capacity) {
			PendingWrite victim = lowestOldest(write.priority);
			if (victim == null) {
				write.claim(PendingWrite.WAITING, PendingWrite.DONE);
				return write;
			}
			unlink(victim);
			evicted = victim;
		}
		link(write);
		return evicted;
	}

	synchronized void remove(PendingWrite write) {
		if (write.indexed) {
			unlink(write);
		}
	}

	/**
	 * The number of waiting writes, read without the monitor: callers that watch the
	 * queue (the recovery rounds, health and metrics) never contend with the writes
	 * being added and removed.
	 * @return the size
	 */
	int size() {
		return this.size;
	}

	synchronized Map<Priority, Integer> sizes() {
		Map<Priority, Integer> sizes = new EnumMap<>(Priority.class);
		for (Priority priority : PRIORITIES) {
			sizes.put(priority, this.sizes[priority.ordinal()]);
		}
		return sizes;
	}

	/**
	 * Keys of waiting writes, most important and oldest first, each once.
	 * @param limit most keys to return
	 * @param nowNanos the current time, to skip writes still backing off
	 * @return the keys
	 */
	synchronized List<String> keysByPriority(int limit, long nowNanos) {
		Set<String> keys = new LinkedHashSet<>();
		for (int p = 0; p < PRIORITIES.length && keys.size() < limit; p++) {
			for (PendingWrite write = this.heads[p]; write != null && keys.size() < limit; write = write.next) {
				if (write.notBeforeNanos - nowNanos <= 0) {
					keys.add(write.key());
				}
			}
		}
		return new ArrayList<>(keys);
	}

	/**
	 * Remove and return the writes that waited longer than allowed.
	 * @param oldestAllowedNanos creation time before which a write has expired
	 * @return the expired writes
	 */
	synchronized List<PendingWrite> removeExpired(long oldestAllowedNanos) {
		List<PendingWrite> expired = new ArrayList<>();
		for (int p = 0; p < PRIORITIES.length; p++) {
			PendingWrite write = this.heads[p];
			// arrival order here is the order of entering the queue, not of creation: look at all
			while (write != null) {
				PendingWrite next = write.next;
				if (write.createdNanos - oldestAllowedNanos < 0 && write.claim(PendingWrite.WAITING, PendingWrite.DONE)) {
					unlink(write);
					expired.add(write);
				}
				write = next;
			}
		}
		return expired;
	}

	/**
	 * Remove and return every write that is not being sent.
	 * @return the writes, most important first
	 */
	synchronized List<PendingWrite> removeAll() {
		List<PendingWrite> all = new ArrayList<>(this.size);
		for (int p = 0; p < PRIORITIES.length; p++) {
			PendingWrite write = this.heads[p];
			while (write != null) {
				PendingWrite next = write.next;
				if (write.claim(PendingWrite.WAITING, PendingWrite.DONE)) {
					unlink(write);
					all.add(write);
				}
				write = next;
			}
		}
		return all;
	}

	/**
	 * Claim (as given up) the oldest waiting write of the lowest priority that is not more
	 * important than the newcomer.
	 */
	@Nullable
	private PendingWrite lowestOldest(Priority newcomer) {
		for (int p = PRIORITIES.length - 1; p >= newcomer.ordinal(); p--) {
			for (PendingWrite write = this.heads[p]; write != null; write = write.next) {
				if (write.claim(PendingWrite.WAITING, PendingWrite.DONE)) {
					return write;
				}
			}
		}
		return null;
	}

	private void link(PendingWrite write) {
		int p = write.priority.ordinal();
		write.previous = this.tails[p];
		write.next = null;
		if (this.tails[p] != null) {
			this.tails[p].next = write;
		}
		else {
			this.heads[p] = write;
		}
		this.tails[p] = write;
		write.indexed = true;
		this.sizes[p]++;
		this.size++;
	}

	private void unlink(PendingWrite write) {
		int p = write.priority.ordinal();
		if (write.previous != null) {
			write.previous.next = write.next;
		}
		else {
			this.heads[p] = write.next;
		}
		if (write.next != null) {
			write.next.previous = write.previous;
		}
		else {
			this.tails[p] = write.previous;
		}
		write.previous = null;
		write.next = null;
		write.indexed = false;
		this.sizes[p]--;
		this.size--;
	}

}
