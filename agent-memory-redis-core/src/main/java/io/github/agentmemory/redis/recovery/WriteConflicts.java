package io.github.agentmemory.redis.recovery;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.SetOptions;

import org.springframework.lang.Nullable;

/**
 * What is left to do of an earlier write to a key once a later write to the same key was
 * applied before it. Writes are data, so this is decided by looking at them: it is what
 * lets the write path keep invariant <b>I2</b> (a write is never applied after a later
 * write to its key that it conflicts with) and <b>I3</b> (a write is dropped as
 * superseded only when the later write fully overwrites what it would have written).
 *
 * <p>
 * The later write {@code L} was applied to a state {@code s}; the earlier write {@code E}
 * was not. For every result but {@link Kind#CONFLICT}, applying {@code L} and then the
 * {@linkplain Residual#write() residual} leaves the key as applying {@code E} then
 * {@code L} would have, from any {@code s} where both succeed (value, fields, members and
 * whether the key has a time to live):
 * <ul>
 * <li>{@link Kind#SUPERSEDED}: {@code L} overwrites all of {@code E} (a later
 * unconditional {@code SET} or {@code DEL} overwrites anything; a later {@code PEXPIRE}
 * an earlier {@code PEXPIRE}; {@code HSET}/{@code HDEL} of the same fields,
 * {@code ZADD}/{@code ZREM} of the same members);</li>
 * <li>{@link Kind#INDEPENDENT}: {@code E} and {@code L} commute ({@code HSET} of other
 * fields, {@code ZADD} of other members...): {@code E} is left as it is;</li>
 * <li>{@link Kind#TRIMMED}: {@code E} without the fields or members {@code L}
 * overwrote;</li>
 * <li>{@link Kind#CONFLICT}: no write can make up for the order (a whole-key write
 * before a field write, anything before a conditional write, a delete whose order
 * against a field write decides whether the key keeps its time to live): {@code E} can
 * no longer be applied without breaking the order.</li>
 * </ul>
 *
 * @author agent-memory-redis
 */
final class WriteConflicts {

	private WriteConflicts() {
	}

	/**
	 * What is left of {@code earlier} once {@code later}, issued after it, was applied
	 * first.
	 * @param earlier the write not applied yet
	 * @param later the write applied first
	 * @return the residual
	 */
	static Residual residual(RedisWrite earlier, RedisWrite later) {
		if (!earlier.key().equals(later.key())) {
			return Residual.independent(earlier);
		}
		if (isWholeKey(later)) {
			return Residual.SUPERSEDED;
		}
		if (later instanceof RedisWrite.Expire) {
			return (earlier instanceof RedisWrite.Expire) ? Residual.SUPERSEDED : Residual.CONFLICT;
		}
		if (later instanceof RedisWrite.Set) {
			// conditional: whether it wrote depends on what the earlier write would have left
			return Residual.CONFLICT;
		}
		Family family = Family.of(later);
		if (Family.of(earlier) != family || family == Family.NONE) {
			return Residual.CONFLICT;
		}
		return sameFamily(earlier, later);
	}

	private static Residual sameFamily(RedisWrite earlier, RedisWrite later) {
		Collection<String> overwritten = names(later);
		List<String> kept = new ArrayList<>();
		for (String name : names(earlier)) {
			if (!overwritten.contains(name)) {
				kept.add(name);
			}
		}
		boolean earlierDeletes = isFieldDelete(earlier);
		boolean laterDeletes = isFieldDelete(later);
		if (earlierDeletes && laterDeletes) {
			// deletes commute with deletes
			return trim(earlier, kept);
		}
		if (earlierDeletes || laterDeletes) {
			// a delete can empty the key, which removes its time to live: only a full overwrite
			// leaves nothing whose order matters, and only when the later write is the delete
			return (kept.isEmpty() && laterDeletes) ? Residual.SUPERSEDED : Residual.CONFLICT;
		}
		if (later instanceof RedisWrite.SortedSetAdd add
				&& (add.options().isOnlyNew() || add.options().isOnlyExisting() || add.options().isIncrement())) {
			// a conditional or incrementing ZADD does not overwrite: it depends on what was there
			return (kept.size() == names(earlier).size()) ? Residual.independent(earlier) : Residual.CONFLICT;
		}
		return trim(earlier, kept);
	}

	private static Residual trim(RedisWrite earlier, List<String> kept) {
		if (kept.isEmpty()) {
			return Residual.SUPERSEDED;
		}
		if (kept.size() == names(earlier).size()) {
			return Residual.independent(earlier);
		}
		return new Residual(Kind.TRIMMED, only(earlier, kept));
	}

	private static boolean isWholeKey(RedisWrite write) {
		return write instanceof RedisWrite.Delete || (write instanceof RedisWrite.Set set
				&& set.options().getCondition() == SetOptions.Condition.ALWAYS);
	}

	private static boolean isFieldDelete(RedisWrite write) {
		return write instanceof RedisWrite.HashDelete || write instanceof RedisWrite.SortedSetRemove;
	}

	private static Collection<String> names(RedisWrite write) {
		if (write instanceof RedisWrite.HashSet hashSet) {
			return hashSet.fields().keySet();
		}
		if (write instanceof RedisWrite.HashDelete hashDelete) {
			return hashDelete.fields();
		}
		if (write instanceof RedisWrite.SortedSetAdd add) {
			return add.members().keySet();
		}
		if (write instanceof RedisWrite.SortedSetRemove remove) {
			return remove.members();
		}
		throw new IllegalArgumentException("Not a field write: " + write);
	}

	private static RedisWrite only(RedisWrite write, List<String> names) {
		if (write instanceof RedisWrite.HashSet hashSet) {
			return RedisWrite.hset(hashSet.key(), select(hashSet.fields(), names));
		}
		if (write instanceof RedisWrite.SortedSetAdd add) {
			return RedisWrite.zadd(add.key(), select(add.members(), names), add.options());
		}
		if (write instanceof RedisWrite.HashDelete hashDelete) {
			return RedisWrite.hdel(hashDelete.key(), names);
		}
		return RedisWrite.zrem(write.key(), names);
	}

	private static <V> Map<String, V> select(Map<String, V> entries, List<String> names) {
		Map<String, V> selected = new LinkedHashMap<>();
		for (String name : names) {
			selected.put(name, entries.get(name));
		}
		return selected;
	}

	/**
	 * The kinds of data a field write touches: writes of different families on one key
	 * cannot both succeed (Redis answers {@code WRONGTYPE}).
	 */
	private enum Family {

		HASH, SORTED_SET, NONE;

		static Family of(RedisWrite write) {
			if (write instanceof RedisWrite.HashSet || write instanceof RedisWrite.HashDelete) {
				return HASH;
			}
			if (write instanceof RedisWrite.SortedSetAdd || write instanceof RedisWrite.SortedSetRemove) {
				return SORTED_SET;
			}
			return NONE;
		}

	}

	/**
	 * How an earlier write relates to a later one applied before it.
	 */
	enum Kind {

		/** The later write overwrote everything the earlier one would have written. */
		SUPERSEDED,

		/** The writes commute: the earlier one is still to be applied as it is. */
		INDEPENDENT,

		/** Part of the earlier write was overwritten: the rest is still to be applied. */
		TRIMMED,

		/** The earlier write can no longer be applied without breaking the key's order. */
		CONFLICT

	}

	/**
	 * What is left of the earlier write.
	 *
	 * @param kind how the writes relate
	 * @param write what is still to be applied ({@code null} when superseded or in
	 * conflict)
	 */
	record Residual(Kind kind, @Nullable RedisWrite write) {

		static final Residual SUPERSEDED = new Residual(Kind.SUPERSEDED, null);

		static final Residual CONFLICT = new Residual(Kind.CONFLICT, null);

		static Residual independent(RedisWrite write) {
			return new Residual(Kind.INDEPENDENT, write);
		}

	}

}
