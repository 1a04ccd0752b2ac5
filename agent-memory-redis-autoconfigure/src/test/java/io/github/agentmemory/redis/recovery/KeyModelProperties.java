package io.github.agentmemory.redis.recovery;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.SetOptions;
import io.github.agentmemory.redis.command.ZAddOptions;
import io.github.agentmemory.redis.recovery.RedisWriteArbitraries.Write;
import io.github.agentmemory.redis.test.RedisServerExtension;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.SetArgs;
import io.lettuce.core.ZAddArgs;
import io.lettuce.core.api.sync.RedisCommands;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import static io.github.agentmemory.redis.recovery.RedisWriteArbitraries.KEY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link KeyModel} against a real Redis: the model is what the properties of
 * {@link WriteConflictsProperties} are checked against, so it must answer as Redis does,
 * {@code WRONGTYPE} included.
 */
class KeyModelProperties {

	private static final RedisServerExtension redis = new RedisServerExtension();

	@BeforeContainer
	static void startRedis() {
		redis.start();
	}

	@AfterContainer
	static void stopRedis() {
		// the extension's own clean-up: it closes its connection and stops the server it started
		redis.afterAll(null);
	}

	@Property(tries = 1_000)
	void modelAnswersEveryWriteAsRedisDoes(@ForAll("states") KeyModel state,
			@ForAll("writeSequences") List<Write> writes) {
		RedisCommands<String, String> commands = redis.admin();
		write(commands, state);
		assertThat(read(commands)).as("initial state").isEqualTo(state);
		KeyModel model = state;
		for (Write write : writes) {
			Optional<KeyModel> next = model.apply(write.write());
			boolean wrongType = apply(commands, write.write());
			assertThat(wrongType).as("WRONGTYPE for %s on %s", write, model).isEqualTo(next.isEmpty());
			model = next.orElse(model);
			assertThat(read(commands)).as("after %s", write).isEqualTo(model);
		}
	}

	@Provide
	Arbitrary<KeyModel> states() {
		return RedisWriteArbitraries.states();
	}

	@Provide
	Arbitrary<List<Write>> writeSequences() {
		return RedisWriteArbitraries.writes(KEY).list().ofMinSize(1).ofMaxSize(4);
	}

	private static void write(RedisCommands<String, String> commands, KeyModel state) {
		commands.del(KEY);
		switch (state.type()) {
			case ABSENT -> {
			}
			case STRING -> commands.set(KEY, state.value());
			case HASH -> commands.hset(KEY, state.fields());
			case SORTED_SET -> state.members().forEach((member, score) -> commands.zadd(KEY, score, member));
		}
		if (state.hasTtl()) {
			commands.pexpire(KEY, RedisWriteArbitraries.TTL.toMillis());
		}
	}

	private static KeyModel read(RedisCommands<String, String> commands) {
		boolean hasTtl = commands.pttl(KEY) >= 0;
		return switch (commands.type(KEY)) {
			case "none" -> KeyModel.absent();
			case "string" -> KeyModel.string(commands.get(KEY), hasTtl);
			case "hash" -> KeyModel.hash(commands.hgetall(KEY), hasTtl);
			case "zset" -> {
				Map<String, Double> members = new LinkedHashMap<>();
				commands.zrangeWithScores(KEY, 0, -1).forEach((scored) -> members.put(scored.getValue(), scored.getScore()));
				yield KeyModel.sortedSet(members, hasTtl);
			}
			default -> throw new IllegalStateException("Unexpected type of " + KEY);
		};
	}

	/**
	 * Send a write.
	 * @return whether Redis answered {@code WRONGTYPE}
	 */
	private static boolean apply(RedisCommands<String, String> commands, RedisWrite write) {
		try {
			send(commands, write);
			return false;
		}
		catch (RedisCommandExecutionException ex) {
			if (ex.getMessage() != null && ex.getMessage().startsWith("WRONGTYPE")) {
				return true;
			}
			throw ex;
		}
	}

	private static void send(RedisCommands<String, String> commands, RedisWrite write) {
		if (write instanceof RedisWrite.Set set) {
			SetArgs args = new SetArgs();
			if (set.options().getTtl() != null) {
				args.px(set.options().getTtl());
			}
			if (set.options().getCondition() == SetOptions.Condition.IF_ABSENT) {
				args.nx();
			}
			if (set.options().getCondition() == SetOptions.Condition.IF_PRESENT) {
				args.xx();
			}
			commands.set(set.key(), set.value(), args);
		}
		else if (write instanceof RedisWrite.Delete delete) {
			commands.del(delete.key());
		}
		else if (write instanceof RedisWrite.Expire expire) {
			commands.pexpire(expire.key(), expire.ttl());
		}
		else if (write instanceof RedisWrite.HashSet hashSet) {
			commands.hset(hashSet.key(), hashSet.fields());
		}
		else if (write instanceof RedisWrite.HashDelete hashDelete) {
			commands.hdel(hashDelete.key(), hashDelete.fields().toArray(String[]::new));
		}
		else if (write instanceof RedisWrite.SortedSetAdd add) {
			sortedSetAdd(commands, add);
		}
		else if (write instanceof RedisWrite.SortedSetRemove remove) {
			commands.zrem(remove.key(), remove.members().toArray(String[]::new));
		}
	}

	@SuppressWarnings("unchecked")
	private static void sortedSetAdd(RedisCommands<String, String> commands, RedisWrite.SortedSetAdd add) {
		ZAddOptions options = add.options();
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
		if (options.isIncrement()) {
			Map.Entry<String, Double> member = add.members().entrySet().iterator().next();
			commands.zaddincr(add.key(), args, member.getValue(), member.getKey());
			return;
		}
		ScoredValue<String>[] members = add.members()
			.entrySet()
			.stream()
			.map((member) -> ScoredValue.just(member.getValue(), member.getKey()))
			.toArray(ScoredValue[]::new);
		commands.zadd(add.key(), args, members);
	}

}
