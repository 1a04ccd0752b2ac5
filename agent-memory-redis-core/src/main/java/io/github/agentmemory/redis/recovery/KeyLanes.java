package io.github.agentmemory.redis.recovery;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.lang.Nullable;

/**
 * The lanes of the keys that have writes in flight or waiting. A caller takes a lane,
 * locks its monitor and checks {@link KeyLane#retired}: a lane that became idle is
 * retired and removed under its monitor, so a retired lane is never used again (the
 * caller takes the key's lane anew).
 *
 * @author agent-memory-redis
 */
final class KeyLanes {

	private final ConcurrentHashMap<String, KeyLane> lanes = new ConcurrentHashMap<>();

	/**
	 * The key's lane, created if it has none; check {@link KeyLane#retired} once locked.
	 * @param key the key
	 * @return the lane
	 */
	KeyLane getOrCreate(String key) {
		// get, then putIfAbsent: on a key without a lane (the usual write, keys being many)
		// this costs one compare-and-set, where computeIfAbsent locks the bin and allocates
		// a reservation node; a lane created in a lost race is garbage, never seen
		KeyLane lane = this.lanes.get(key);
		if (lane != null) {
			return lane;
		}
		KeyLane created = new KeyLane(key);
		lane = this.lanes.putIfAbsent(key, created);
		return (lane != null) ? lane : created;
	}

	/**
	 * The key's lane, if it has one.
	 * @param key the key
	 * @return the lane, or {@code null}
	 */
	@Nullable
	KeyLane get(String key) {
		return this.lanes.get(key);
	}

	/**
	 * Every lane now; lanes created meanwhile may or may not be seen.
	 * @return the lanes
	 */
	Collection<KeyLane> all() {
		return this.lanes.values();
	}

	/**
	 * Retire the lane if nothing of its key is in flight or waiting; the caller holds its
	 * monitor.
	 * @param lane the lane
	 */
	void retireIfIdle(KeyLane lane) {
		if (lane.isIdle() && !lane.retired) {
			lane.retired = true;
			this.lanes.remove(lane.key, lane);
		}
	}

	/**
	 * Forget the lane's writes that were given up by the queue, and retire it if idle.
	 * @param lane the lane
	 */
	void purge(KeyLane lane) {
		synchronized (lane) {
			lane.purge();
			retireIfIdle(lane);
		}
	}

}
