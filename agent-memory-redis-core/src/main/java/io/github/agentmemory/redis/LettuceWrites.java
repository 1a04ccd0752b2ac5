package io.github.agentmemory.redis;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.SetOptions;
import io.github.agentmemory.redis.command.ZAddOptions;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.SetArgs;
import io.lettuce.core.ZAddArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

/**
 * Sends a {@link RedisWrite} as its Lettuce command. Strings travel as UTF-8.
 *
 * @author agent-memory-redis
 */
final class LettuceWrites {

	private LettuceWrites() {
	}

	static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	static byte[][] bytes(List<String> texts) {
		byte[][] result = new byte[texts.size()][];
		for (int i = 0; i < result.length; i++) {
			result[i] = bytes(texts.get(i));
		}
		return result;
	}

	static String string(byte[] bytes) {
		return (bytes != null) ? new String(bytes, StandardCharsets.UTF_8) : null;
	}

	/**
	 * Send a write. The reply is {@code "OK"}/{@code null} for {@code SET}, a
	 * {@link Boolean} for {@code PEXPIRE}, a {@link Double} for {@code ZADD INCR} and a
	 * {@link Long} count otherwise.
	 * @param write the write
	 * @param commands the connection
	 * @return the reply
	 */
	static RedisFuture<?> send(RedisWrite write, RedisClusterAsyncCommands<byte[], byte[]> commands) {
		byte[] key = bytes(write.key());
		if (write instanceof RedisWrite.Set set) {
			SetArgs args = setArgs(set.options());
			return (args != null) ? commands.set(key, bytes(set.value()), args) : commands.set(key, bytes(set.value()));
		}
		if (write instanceof RedisWrite.HashSet hashSet) {
			Map<byte[], byte[]> fields = new LinkedHashMap<>();
			hashSet.fields().forEach((field, value) -> fields.put(bytes(field), bytes(value)));
			return commands.hset(key, fields);
		}
		if (write instanceof RedisWrite.Delete) {
			return commands.del(key);
		}
		if (write instanceof RedisWrite.Expire expire) {
			return commands.pexpire(key, expire.ttl().toMillis());
		}
		if (write instanceof RedisWrite.HashDelete hashDelete) {
			return commands.hdel(key, bytes(hashDelete.fields()));
		}
		if (write instanceof RedisWrite.SortedSetAdd add) {
			return sortedSetAdd(key, add, commands);
		}
		if (write instanceof RedisWrite.SortedSetRemove remove) {
			return commands.zrem(key, bytes(remove.members()));
		}
		throw new IllegalStateException("Unknown write " + write.getClass().getName());
	}

	private static RedisFuture<?> sortedSetAdd(byte[] key, RedisWrite.SortedSetAdd add,
			RedisClusterAsyncCommands<byte[], byte[]> commands) {
		ZAddArgs args = zaddArgs(add.options());
		if (add.options().isIncrement()) {
			Map.Entry<String, Double> member = add.members().entrySet().iterator().next();
			return (args != null) ? commands.zaddincr(key, args, member.getValue(), bytes(member.getKey()))
					: commands.zaddincr(key, member.getValue(), bytes(member.getKey()));
		}
		@SuppressWarnings("unchecked")
		ScoredValue<byte[]>[] members = new ScoredValue[add.members().size()];
		int i = 0;
		for (Map.Entry<String, Double> member : add.members().entrySet()) {
			members[i++] = ScoredValue.just(member.getValue(), bytes(member.getKey()));
		}
		return (args != null) ? commands.zadd(key, args, members) : commands.zadd(key, members);
	}

	private static SetArgs setArgs(SetOptions options) {
		if (options.getTtl() == null && options.getCondition() == SetOptions.Condition.ALWAYS) {
			return null;
		}
		SetArgs args = new SetArgs();
		if (options.getTtl() != null) {
			args.px(options.getTtl());
		}
		switch (options.getCondition()) {
			case IF_ABSENT -> args.nx();
			case IF_PRESENT -> args.xx();
			default -> {
			}
		}
		return args;
	}

	private static ZAddArgs zaddArgs(ZAddOptions options) {
		if (!options.isOnlyNew() && !options.isOnlyExisting() && !options.isCountChanged()) {
			return null;
		}
		ZAddArgs args = new ZAddArgs();
		if (options.isOnlyNew()) {
			args.nx();
		}
		if (options.isOnlyExisting()) {
			args.xx();
		}
		if (options.isCountChanged()) {
			args.ch();
		}
		return args;
	}

}
