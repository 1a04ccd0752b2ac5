package io.github.agentmemory.redis.benchmarks;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The data every client works on: 10,000 keys of each type, 100-byte values, hashes of
 * four 100-byte fields, sorted sets of ten 100-byte members with scores 0 to 9.
 */
final class Workload {

	enum Op {

		SET, GET, HSET, HGETALL, ZADD, ZRANGEBYSCORE,

		/** SET of one hot key by every writer (run at C=256 only). */
		HOT_SET,

		/** HSET of a distinct field of one hot key by every writer (run at C=256 only). */
		HOT_HSET;

		boolean hot() {
			return this == HOT_SET || this == HOT_HSET;
		}

	}

	static final int KEYS = 10_000;

	static final int VALUE_BYTES = 100;

	static final int HASH_FIELDS = 4;

	static final int ZSET_MEMBERS = 10;

	/** ZRANGEBYSCORE bounds: returns 5 of the 10 members. */
	static final double ZMIN = 2;

	static final double ZMAX = 6;

	final String[] stringKeys = new String[KEYS];

	final String[] hashKeys = new String[KEYS];

	final String[] zsetKeys = new String[KEYS];

	final String value = text("v", VALUE_BYTES);

	final String hotKey = "bench:hot:s";

	final String hotHashKey = "bench:hot:h";

	final String[] hotFields = new String[KEYS];

	@SuppressWarnings("unchecked")
	final Map<String, String>[] hotFieldMaps = new Map[KEYS];

	final Map<String, String> hashFields = new LinkedHashMap<>();

	final String[] members = new String[ZSET_MEMBERS];

	/** One single-member map per member (the template's zadd takes a map). */
	@SuppressWarnings("unchecked")
	final Map<String, Double>[] memberMaps = new Map[ZSET_MEMBERS];

	Workload() {
		for (int i = 0; i < KEYS; i++) {
			this.stringKeys[i] = "bench:s:" + i;
			this.hashKeys[i] = "bench:h:" + i;
			this.zsetKeys[i] = "bench:z:" + i;
			this.hotFields[i] = "f" + i;
			this.hotFieldMaps[i] = Map.of(this.hotFields[i], this.value);
		}
		for (int f = 0; f < HASH_FIELDS; f++) {
			this.hashFields.put("field" + f, text("h" + f, VALUE_BYTES));
		}
		for (int m = 0; m < ZSET_MEMBERS; m++) {
			this.members[m] = text("m" + m, VALUE_BYTES);
			Map<String, Double> single = new LinkedHashMap<>(2);
			single.put(this.members[m], (double) m);
			this.memberMaps[m] = single;
		}
	}

	/** ZADD writes member {@code k % 10} with its own score: the set keeps its shape. */
	int member(int k) {
		return k % ZSET_MEMBERS;
	}

	static String text(String prefix, int length) {
		StringBuilder builder = new StringBuilder(length).append(prefix).append(':');
		while (builder.length() < length) {
			builder.append((char) ('a' + builder.length() % 26));
		}
		builder.setLength(length);
		return builder.toString();
	}

	static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

}
