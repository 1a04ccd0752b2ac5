package io.github.agentmemory.redis.benchmarks;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.ResilientRedisTemplate;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import reactor.core.publisher.Mono;

import org.springframework.data.redis.connection.lettuce.LettuceConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/**
 * The clients compared. Every one sends the same commands with the same keys and values
 * as Strings (UTF-8 on the wire).
 */
final class Clients {

	private Clients() {
	}

	/** Plain Lettuce: {@code RedisClient.create}, StringCodec, its defaults, one connection. */
	static final class LettuceAsync implements BenchClient {

		private final String name;

		private final Workload w;

		private final RedisClient client;

		private final StatefulRedisConnection<String, String> connection;

		private final RedisAsyncCommands<String, String> commands;

		private final RedisCommands<String, String> sync;

		private final Range<Double> range = Range.create(Workload.ZMIN, Workload.ZMAX);

		private final boolean blocking;

		LettuceAsync(String name, Workload w, RedisURI uri, ClientResources resources, boolean blocking) {
			this.name = name;
			this.w = w;
			this.client = (resources != null) ? RedisClient.create(resources, uri) : RedisClient.create(uri);
			this.connection = this.client.connect(StringCodec.UTF8);
			this.commands = this.connection.async();
			this.sync = this.connection.sync();
			this.blocking = blocking;
		}

		@Override
		public String name() {
			return this.name;
		}

		@Override
		public boolean async() {
			return !this.blocking;
		}

		@Override
		public void call(Workload.Op op, int k, BiConsumer<Object, Throwable> done) {
			RedisAsyncCommands<String, String> c = this.commands;
			switch (op) {
				case SET -> c.set(this.w.stringKeys[k], this.w.value).whenComplete(done);
				case GET -> c.get(this.w.stringKeys[k]).whenComplete(done);
				case HSET -> c.hset(this.w.hashKeys[k], this.w.hashFields).whenComplete(done);
				case HGETALL -> c.hgetall(this.w.hashKeys[k]).whenComplete(done);
				case ZADD -> {
					int m = this.w.member(k);
					c.zadd(this.w.zsetKeys[k], m, this.w.members[m]).whenComplete(done);
				}
				case ZRANGEBYSCORE -> c.zrangebyscore(this.w.zsetKeys[k], this.range).whenComplete(done);
				case HOT_SET -> c.set(this.w.hotKey, this.w.value).whenComplete(done);
				case HOT_HSET -> c.hset(this.w.hotHashKey, this.w.hotFields[k], this.w.value).whenComplete(done);
			}
		}

		RedisAsyncCommands<String, String> commandsForSetup() {
			return this.commands;
		}

		@Override
		public void callBlocking(Workload.Op op, int k) {
			RedisCommands<String, String> c = this.sync;
			switch (op) {
				case SET -> c.set(this.w.stringKeys[k], this.w.value);
				case GET -> c.get(this.w.stringKeys[k]);
				case HSET -> c.hset(this.w.hashKeys[k], this.w.hashFields);
				case HGETALL -> c.hgetall(this.w.hashKeys[k]);
				case ZADD -> {
					int m = this.w.member(k);
					c.zadd(this.w.zsetKeys[k], m, this.w.members[m]);
				}
				case ZRANGEBYSCORE -> c.zrangebyscore(this.w.zsetKeys[k], this.range);
				case HOT_SET -> c.set(this.w.hotKey, this.w.value);
				case HOT_HSET -> c.hset(this.w.hotHashKey, this.w.hotFields[k], this.w.value);
			}
		}

		@Override
		public void close() {
			this.connection.close();
			this.client.shutdown(0, 2, TimeUnit.SECONDS);
		}

	}

	/**
	 * Lettuce async on the very connection the template uses (Spring Boot's
	 * LettuceConnectionFactory with the starter's client options, byte[] codec), Strings
	 * converted as the template does: the template minus its own layer.
	 */
	static final class LettuceOnBootConnection implements BenchClient {

		private final Workload w;

		private final RedisClusterAsyncCommands<byte[], byte[]> commands;

		private final Range<Double> range = Range.create(Workload.ZMIN, Workload.ZMAX);

		private final org.springframework.data.redis.connection.RedisConnection connection;

		private final String name;

		LettuceOnBootConnection(String name, Workload w, LettuceConnectionFactory factory) {
			this.name = name;
			this.w = w;
			this.connection = factory.getConnection();
			this.commands = ((LettuceConnection) this.connection).getNativeConnection();
		}

		@Override
		public String name() {
			return this.name;
		}

		@Override
		public void call(Workload.Op op, int k, BiConsumer<Object, Throwable> done) {
			RedisClusterAsyncCommands<byte[], byte[]> c = this.commands;
			switch (op) {
				case SET -> c.set(Workload.bytes(this.w.stringKeys[k]), Workload.bytes(this.w.value)).whenComplete(done);
				case GET -> c.get(Workload.bytes(this.w.stringKeys[k])).whenComplete(done);
				case HSET -> {
					Map<byte[], byte[]> fields = new LinkedHashMap<>();
					this.w.hashFields.forEach((f, v) -> fields.put(Workload.bytes(f), Workload.bytes(v)));
					c.hset(Workload.bytes(this.w.hashKeys[k]), fields).whenComplete(done);
				}
				case HGETALL -> c.hgetall(Workload.bytes(this.w.hashKeys[k])).whenComplete(done);
				case ZADD -> {
					int m = this.w.member(k);
					c.zadd(Workload.bytes(this.w.zsetKeys[k]), m, Workload.bytes(this.w.members[m])).whenComplete(done);
				}
				case ZRANGEBYSCORE -> c.zrangebyscore(Workload.bytes(this.w.zsetKeys[k]), this.range).whenComplete(done);
				case HOT_SET -> c.set(Workload.bytes(this.w.hotKey), Workload.bytes(this.w.value)).whenComplete(done);
				case HOT_HSET -> c.hset(Workload.bytes(this.w.hotHashKey), Workload.bytes(this.w.hotFields[k]),
						Workload.bytes(this.w.value)).whenComplete(done);
			}
		}

		@Override
		public void close() {
			this.connection.close();
		}

	}

	/** The starter's AsyncResilientRedisTemplate, from a Spring Boot context. */
	static final class TemplateAsync implements BenchClient {

		private final Workload w;

		private final AsyncResilientRedisTemplate t;

		private final String name;

		TemplateAsync(String name, Workload w, AsyncResilientRedisTemplate template) {
			this.name = name;
			this.w = w;
			this.t = template;
		}

		@Override
		public String name() {
			return this.name;
		}

		@Override
		public void call(Workload.Op op, int k, BiConsumer<Object, Throwable> done) {
			switch (op) {
				case SET -> this.t.set(this.w.stringKeys[k], this.w.value).whenComplete(done);
				case GET -> this.t.get(this.w.stringKeys[k]).whenComplete(done);
				case HSET -> this.t.hsetAll(this.w.hashKeys[k], this.w.hashFields).whenComplete(done);
				case HGETALL -> this.t.hgetAll(this.w.hashKeys[k]).whenComplete(done);
				case ZADD -> this.t.zadd(this.w.zsetKeys[k], this.w.memberMaps[this.w.member(k)]).whenComplete(done);
				case ZRANGEBYSCORE ->
					this.t.zrangeByScore(this.w.zsetKeys[k], Workload.ZMIN, Workload.ZMAX).whenComplete(done);
				case HOT_SET -> this.t.set(this.w.hotKey, this.w.value).whenComplete(done);
				case HOT_HSET -> this.t.hsetAll(this.w.hotHashKey, this.w.hotFieldMaps[k]).whenComplete(done);
			}
		}

	}

	/** The starter's blocking ResilientRedisTemplate (caller thread waits). */
	static final class TemplateBlocking implements BenchClient {

		private final Workload w;

		private final ResilientRedisTemplate t;

		TemplateBlocking(Workload w, ResilientRedisTemplate template) {
			this.w = w;
			this.t = template;
		}

		@Override
		public String name() {
			return "template-blocking";
		}

		@Override
		public boolean async() {
			return false;
		}

		@Override
		public void call(Workload.Op op, int key, BiConsumer<Object, Throwable> done) {
			throw new UnsupportedOperationException();
		}

		@Override
		public void callBlocking(Workload.Op op, int k) {
			switch (op) {
				case SET -> this.t.set(this.w.stringKeys[k], this.w.value);
				case GET -> this.t.get(this.w.stringKeys[k]);
				case HSET -> this.t.hsetAll(this.w.hashKeys[k], this.w.hashFields);
				case HGETALL -> this.t.hgetAll(this.w.hashKeys[k]);
				case ZADD -> this.t.zadd(this.w.zsetKeys[k], this.w.memberMaps[this.w.member(k)]);
				case ZRANGEBYSCORE -> this.t.zrangeByScore(this.w.zsetKeys[k], Workload.ZMIN, Workload.ZMAX);
				case HOT_SET -> this.t.set(this.w.hotKey, this.w.value);
				case HOT_HSET -> this.t.hsetAll(this.w.hotHashKey, this.w.hotFieldMaps[k]);
			}
		}

	}

	/** Spring Data's ReactiveStringRedisTemplate on Boot's connection factory. */
	static final class Reactive implements BenchClient {

		private final Workload w;

		private final ReactiveStringRedisTemplate t;

		private final org.springframework.data.domain.Range<Double> range = org.springframework.data.domain.Range
			.closed(Workload.ZMIN, Workload.ZMAX);

		Reactive(Workload w, ReactiveStringRedisTemplate template) {
			this.w = w;
			this.t = template;
		}

		@Override
		public String name() {
			return "spring-reactive";
		}

		@Override
		public void call(Workload.Op op, int k, BiConsumer<Object, Throwable> done) {
			Mono<?> mono = switch (op) {
				case SET -> this.t.opsForValue().set(this.w.stringKeys[k], this.w.value);
				case GET -> this.t.opsForValue().get(this.w.stringKeys[k]);
				case HSET -> this.t.<String, String>opsForHash().putAll(this.w.hashKeys[k], this.w.hashFields);
				case HGETALL -> this.t.<String, String>opsForHash()
					.entries(this.w.hashKeys[k])
					.collectMap(Map.Entry::getKey, Map.Entry::getValue);
				case ZADD -> {
					int m = this.w.member(k);
					yield this.t.opsForZSet().add(this.w.zsetKeys[k], this.w.members[m], m);
				}
				case ZRANGEBYSCORE -> this.t.opsForZSet().rangeByScore(this.w.zsetKeys[k], this.range).collectList();
				case HOT_SET -> this.t.opsForValue().set(this.w.hotKey, this.w.value);
				case HOT_HSET -> this.t.<String, String>opsForHash().put(this.w.hotHashKey, this.w.hotFields[k],
						this.w.value);
			};
			mono.subscribe(null, (error) -> done.accept(null, error), () -> done.accept(null, null));
		}

	}

	/** Redisson async API, StringCodec. */
	static final class RedissonAsync implements BenchClient {

		private final Workload w;

		private final RedissonClient redisson;

		private final String name;

		RedissonAsync(Workload w, String host, int port, int poolSize) {
			this.w = w;
			Config config = new Config();
			config.setCodec(org.redisson.client.codec.StringCodec.INSTANCE);
			var single = config.useSingleServer().setAddress("redis://" + host + ":" + port);
			if (poolSize > 0) {
				single.setConnectionPoolSize(poolSize).setConnectionMinimumIdleSize(poolSize);
			}
			this.redisson = Redisson.create(config);
			this.name = (poolSize > 0) ? "redisson" : "redisson-pool64";
		}

		@Override
		public String name() {
			return this.name;
		}

		@Override
		public void call(Workload.Op op, int k, BiConsumer<Object, Throwable> done) {
			RedissonClient r = this.redisson;
			switch (op) {
				case SET -> r.<String>getBucket(this.w.stringKeys[k]).setAsync(this.w.value).whenComplete(done);
				case GET -> r.<String>getBucket(this.w.stringKeys[k]).getAsync().whenComplete(done);
				case HSET -> r.<String, String>getMap(this.w.hashKeys[k]).putAllAsync(this.w.hashFields)
					.whenComplete(done);
				case HGETALL -> r.<String, String>getMap(this.w.hashKeys[k]).readAllMapAsync().whenComplete(done);
				case ZADD -> {
					int m = this.w.member(k);
					r.<String>getScoredSortedSet(this.w.zsetKeys[k]).addAsync(m, this.w.members[m]).whenComplete(done);
				}
				case ZRANGEBYSCORE -> r.<String>getScoredSortedSet(this.w.zsetKeys[k])
					.valueRangeAsync(Workload.ZMIN, true, Workload.ZMAX, true)
					.whenComplete(done);
				case HOT_SET -> r.<String>getBucket(this.w.hotKey).setAsync(this.w.value).whenComplete(done);
				case HOT_HSET -> r.<String, String>getMap(this.w.hotHashKey).fastPutAsync(this.w.hotFields[k],
						this.w.value).whenComplete(done);
			}
		}

		@Override
		public void close() {
			this.redisson.shutdown(0, 2, TimeUnit.SECONDS);
		}

	}

}
