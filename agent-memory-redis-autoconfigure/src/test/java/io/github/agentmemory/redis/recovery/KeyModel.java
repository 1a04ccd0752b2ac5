package io.github.agentmemory.redis.recovery;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.SetOptions;
import io.github.agentmemory.redis.command.ZAddOptions;

/**
 * A sequential model of one Redis key, for property tests: what the key holds (nothing, a
 * string, a hash or a sorted set) and whether it has a time to live. {@link #apply}
 * follows Redis for the writes a {@link RedisWrite} can be; the key a write names is not
 * looked at (the model is the one key).
 *
 * @param type what the key holds
 * @param value the string value ({@code null} unless a string)
 * @param fields the hash fields (empty unless a hash)
 * @param members the sorted-set members and their scores (empty unless a sorted set)
 * @param hasTtl whether the key has a time to live (never when absent)
 */
record KeyModel(Type type, String value, Map<String, String> fields, Map<String, Double> members, boolean hasTtl) {

	private static final KeyModel ABSENT = new KeyModel(Type.ABSENT, null, Map.of(), Map.of(), false);

	KeyModel {
		fields = new TreeMap<>(fields);
		members = new TreeMap<>(members);
	}

	static KeyModel absent() {
		return ABSENT;
	}

	static KeyModel string(String value, boolean hasTtl) {
		return new KeyModel(Type.STRING, value, Map.of(), Map.of(), hasTtl);
	}

	/**
	 * A hash, or the absent key when there are no fields (Redis deletes an emptied hash).
	 */
	static KeyModel hash(Map<String, String> fields, boolean hasTtl) {
		return fields.isEmpty() ? ABSENT : new KeyModel(Type.HASH, null, fields, Map.of(), hasTtl);
	}

	/**
	 * A sorted set, or the absent key when there are no members (Redis deletes an emptied
	 * sorted set).
	 */
	static KeyModel sortedSet(Map<String, Double> members, boolean hasTtl) {
		return members.isEmpty() ? ABSENT : new KeyModel(Type.SORTED_SET, null, Map.of(), members, hasTtl);
	}

	boolean exists() {
		return this.type != Type.ABSENT;
	}

	/**
	 * Apply a write as Redis would.
	 * @param write the write
	 * @return the key afterwards, or empty when Redis answers {@code WRONGTYPE} (the key is
	 * then left as it was)
	 */
	Optional<KeyModel> apply(RedisWrite write) {
		if (write instanceof RedisWrite.Set set) {
			return Optional.of(set(set));
		}
		if (write instanceof RedisWrite.Delete) {
			return Optional.of(ABSENT);
		}
		if (write instanceof RedisWrite.Expire) {
			return Optional.of(exists() ? withTtl() : this);
		}
		if (write instanceof RedisWrite.HashSet hashSet) {
			return holds(Type.HASH) ? Optional.of(hashSet(hashSet)) : Optional.empty();
		}
		if (write instanceof RedisWrite.HashDelete hashDelete) {
			return holds(Type.HASH) ? Optional.of(hashDelete(hashDelete)) : Optional.empty();
		}
		if (write instanceof RedisWrite.SortedSetAdd add) {
			return holds(Type.SORTED_SET) ? Optional.of(sortedSetAdd(add)) : Optional.empty();
		}
		if (write instanceof RedisWrite.SortedSetRemove remove) {
			return holds(Type.SORTED_SET) ? Optional.of(sortedSetRemove(remove)) : Optional.empty();
		}
		throw new IllegalArgumentException("Unknown write: " + write);
	}

	/**
	 * Apply writes one after the other.
	 * @param writes the writes
	 * @return the key afterwards, or empty when any of them answers {@code WRONGTYPE}
	 */
	Optional<KeyModel> applyAll(RedisWrite... writes) {
		Optional<KeyModel> state = Optional.of(this);
		for (RedisWrite write : writes) {
			state = state.flatMap((current) -> current.apply(write));
		}
		return state;
	}

	private boolean holds(Type type) {
		return this.type == Type.ABSENT || this.type == type;
	}

	private KeyModel withTtl() {
		return new KeyModel(this.type, this.value, this.fields, this.members, true);
	}

	private KeyModel set(RedisWrite.Set set) {
		SetOptions options = set.options();
		boolean writes = switch (options.getCondition()) {
			case ALWAYS -> true;
			case IF_ABSENT -> !exists();
			case IF_PRESENT -> exists();
		};
		// a SET that writes replaces the key and its time to live (no KEEPTTL here)
		return writes ? string(set.value(), options.getTtl() != null) : this;
	}

	private KeyModel hashSet(RedisWrite.HashSet hashSet) {
		Map<String, String> fields = new TreeMap<>(this.fields);
		fields.putAll(hashSet.fields());
		// a new hash has no time to live
		return hash(fields, this.hasTtl);
	}

	private KeyModel hashDelete(RedisWrite.HashDelete hashDelete) {
		if (!exists()) {
			return this;
		}
		Map<String, String> fields = new TreeMap<>(this.fields);
		hashDelete.fields().forEach(fields::remove);
		return hash(fields, this.hasTtl);
	}

	private KeyModel sortedSetAdd(RedisWrite.SortedSetAdd add) {
		ZAddOptions options = add.options();
		if (!exists() && options.isOnlyExisting()) {
			// ZADD XX on a missing key does not create it
			return this;
		}
		Map<String, Double> members = new TreeMap<>(this.members);
		add.members().forEach((member, score) -> {
			Double current = members.get(member);
			if ((current != null && options.isOnlyNew()) || (current == null && options.isOnlyExisting())) {
				return;
			}
			members.put(member, (options.isIncrement() && current != null) ? current + score : score);
		});
		return sortedSet(members, this.hasTtl);
	}

	private KeyModel sortedSetRemove(RedisWrite.SortedSetRemove remove) {
		if (!exists()) {
			return this;
		}
		Map<String, Double> members = new TreeMap<>(this.members);
		remove.members().forEach(members::remove);
		return sortedSet(members, this.hasTtl);
	}

	@Override
	public String toString() {
		String ttl = this.hasTtl ? " with ttl" : "";
		return switch (this.type) {
			case ABSENT -> "absent";
			case STRING -> "string " + this.value + ttl;
			case HASH -> "hash " + this.fields + ttl;
			case SORTED_SET -> "zset " + this.members + ttl;
		};
	}

	/**
	 * What a key holds.
	 */
	enum Type {

		ABSENT, STRING, HASH, SORTED_SET

	}

}
