package io.github.agentmemory.redis.command;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A write to one Redis key, held as data (command, key and arguments) rather than as a
 * closure, so that it can be retried, queued, ordered per key, counted and replayed.
 * Arguments are checked when a write is created: an invalid one throws
 * {@link IllegalArgumentException} and is never sent.
 *
 * <p>
 * Create writes with the static factories, for example
 * {@code RedisWrite.hset("agent:7:state", Map.of("health", "100"))}.
 *
 * @author agent-memory-redis
 */
public sealed interface RedisWrite permits RedisWrite.Set, RedisWrite.Delete, RedisWrite.Expire,
		RedisWrite.HashSet, RedisWrite.HashDelete, RedisWrite.SortedSetAdd, RedisWrite.SortedSetRemove {

	/**
	 * The key this write changes.
	 * @return the key
	 */
	String key();

	/**
	 * The Redis command name, for logs and metrics.
	 * @return the command name
	 */
	String command();

	/**
	 * Whether applying this write twice leaves Redis as applying it once does. Only
	 * idempotent writes are retried automatically after an ambiguous failure (a timeout
	 * may hide a write the server did apply).
	 * @return whether the write is idempotent
	 */
	boolean idempotent();

	/**
	 * {@code SET key value} with options.
	 * @param key the key
	 * @param value the value
	 * @return the write
	 */
	static Set set(String key, String value) {
		return new Set(key, value, SetOptions.none());
	}

	/**
	 * {@code SET key value} with options.
	 * @param key the key
	 * @param value the value
	 * @param options ttl and condition
	 * @return the write
	 */
	static Set set(String key, String value, SetOptions options) {
		return new Set(key, value, options);
	}

	/**
	 * {@code DEL key}.
	 * @param key the key
	 * @return the write
	 */
	static Delete delete(String key) {
		return new Delete(key);
	}

	/**
	 * {@code PEXPIRE key ttl}.
	 * @param key the key
	 * @param ttl the time to live
	 * @return the write
	 */
	static Expire expire(String key, Duration ttl) {
		return new Expire(key, ttl);
	}

	/**
	 * {@code HSET key field value [field value ...]}.
	 * @param key the key
	 * @param fields the fields to set
	 * @return the write
	 */
	static HashSet hset(String key, Map<String, String> fields) {
		return new HashSet(key, fields);
	}

	/**
	 * {@code HDEL key field [field ...]}.
	 * @param key the key
	 * @param fields the fields to remove
	 * @return the write
	 */
	static HashDelete hdel(String key, List<String> fields) {
		return new HashDelete(key, fields);
	}

	/**
	 * {@code ZADD key [NX|XX] [CH] [INCR] score member [score member ...]}.
	 * @param key the key
	 * @param members members and their scores
	 * @param options the flags
	 * @return the write
	 */
	static SortedSetAdd zadd(String key, Map<String, Double> members, ZAddOptions options) {
		return new SortedSetAdd(key, members, options);
	}

	/**
	 * {@code ZREM key member [member ...]}.
	 * @param key the key
	 * @param members the members to remove
	 * @return the write
	 */
	static SortedSetRemove zrem(String key, List<String> members) {
		return new SortedSetRemove(key, members);
	}

	/**
	 * {@code SET}: idempotent unless it is conditional ({@code NX}/{@code XX}), whose
	 * reply would change on a second run.
	 *
	 * @param key the key
	 * @param value the value
	 * @param options ttl and condition
	 */
	record Set(String key, String value, SetOptions options) implements RedisWrite {

		/**
		 * Check the arguments.
		 */
		public Set {
			Arguments.key(key);
			Arguments.value(value, "value");
			Arguments.notNull(options, "options");
		}

		@Override
		public String command() {
			return "SET";
		}

		@Override
		public boolean idempotent() {
			return this.options.getCondition() == SetOptions.Condition.ALWAYS;
		}

		@Override
		public String toString() {
			return "SET " + this.key + " (" + this.value.length() + " chars, " + this.options + ")";
		}

	}

	/**
	 * {@code DEL} of one key: idempotent.
	 *
	 * @param key the key
	 */
	record Delete(String key) implements RedisWrite {

		/**
		 * Check the arguments.
		 */
		public Delete {
			Arguments.key(key);
		}

		@Override
		public String command() {
			return "DEL";
		}

		@Override
		public boolean idempotent() {
			return true;
		}

	}

	/**
	 * {@code PEXPIRE}: treated as idempotent (a second run restarts the same ttl).
	 *
	 * @param key the key
	 * @param ttl the time to live
	 */
	record Expire(String key, Duration ttl) implements RedisWrite {

		/**
		 * Check the arguments.
		 */
		public Expire {
			Arguments.key(key);
			Arguments.positive(ttl, "ttl");
		}

		@Override
		public String command() {
			return "PEXPIRE";
		}

		@Override
		public boolean idempotent() {
			return true;
		}

	}

	/**
	 * {@code HSET} of one or more fields: idempotent.
	 *
	 * @param key the key
	 * @param fields the fields, in order
	 */
	record HashSet(String key, Map<String, String> fields) implements RedisWrite {

		/**
		 * Check and copy the arguments.
		 */
		public HashSet {
			Arguments.key(key);
			fields = Arguments.fields(fields);
		}

		@Override
		public String command() {
			return "HSET";
		}

		@Override
		public boolean idempotent() {
			return true;
		}

		@Override
		public String toString() {
			return "HSET " + this.key + " " + this.fields.keySet();
		}

	}

	/**
	 * {@code HDEL}: idempotent.
	 *
	 * @param key the key
	 * @param fields the fields to remove
	 */
	record HashDelete(String key, List<String> fields) implements RedisWrite {

		/**
		 * Check and copy the arguments.
		 */
		public HashDelete {
			Arguments.key(key);
			fields = Arguments.texts(fields, "fields");
		}

		@Override
		public String command() {
			return "HDEL";
		}

		@Override
		public boolean idempotent() {
			return true;
		}

	}

	/**
	 * {@code ZADD}: idempotent unless {@code INCR} is set.
	 *
	 * @param key the key
	 * @param members members and scores, in order
	 * @param options the flags
	 */
	record SortedSetAdd(String key, Map<String, Double> members, ZAddOptions options) implements RedisWrite {

		/**
		 * Check and copy the arguments.
		 */
		public SortedSetAdd {
			Arguments.key(key);
			members = Arguments.scores(members);
			Arguments.notNull(options, "options");
			if (options.isIncrement() && members.size() != 1) {
				throw new IllegalArgumentException("ZADD INCR takes exactly one member, got " + members.size());
			}
		}

		@Override
		public String command() {
			return "ZADD";
		}

		@Override
		public boolean idempotent() {
			return !this.options.isIncrement();
		}

		@Override
		public String toString() {
			return "ZADD " + this.key + " (" + this.members.size() + " members, " + this.options + ")";
		}

	}

	/**
	 * {@code ZREM}: idempotent.
	 *
	 * @param key the key
	 * @param members the members to remove
	 */
	record SortedSetRemove(String key, List<String> members) implements RedisWrite {

		/**
		 * Check and copy the arguments.
		 */
		public SortedSetRemove {
			Arguments.key(key);
			members = Arguments.texts(members, "members");
		}

		@Override
		public String command() {
			return "ZREM";
		}

		@Override
		public boolean idempotent() {
			return true;
		}

	}

}
