package io.github.agentmemory.redis;

import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.RedisNode;
import org.springframework.data.redis.connection.RedisSentinelConfiguration;
import org.springframework.data.redis.connection.RedisSocketConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Where a connection factory's Redis is, for log lines and messages: {@code host:port},
 * the Sentinel master and its sentinels, or the cluster's seed nodes. Credentials are
 * never part of it.
 *
 * @author agent-memory-redis
 */
final class RedisAddress {

	private RedisAddress() {
	}

	/**
	 * Describe where the factory connects to.
	 * @param connectionFactory the factory
	 * @return for example {@code localhost:6379}, {@code sentinel master mymaster via
	 * s1:26379, s2:26379} or {@code cluster r1:6379, r2:6379}
	 */
	static String of(LettuceConnectionFactory connectionFactory) {
		RedisClusterConfiguration cluster = connectionFactory.getClusterConfiguration();
		if (connectionFactory.isClusterAware() && cluster != null) {
			return "cluster " + nodes(cluster.getClusterNodes());
		}
		RedisSentinelConfiguration sentinel = connectionFactory.getSentinelConfiguration();
		if (connectionFactory.isRedisSentinelAware() && sentinel != null) {
			String master = (sentinel.getMaster() != null) ? sentinel.getMaster().getName() : "(unnamed)";
			return "sentinel master " + master + " via " + nodes(sentinel.getSentinels());
		}
		RedisSocketConfiguration socket = connectionFactory.getSocketConfiguration();
		if (socket != null) {
			return "socket " + socket.getSocket();
		}
		return connectionFactory.getHostName() + ":" + connectionFactory.getPort();
	}

	private static String nodes(Iterable<RedisNode> nodes) {
		StringBuilder result = new StringBuilder();
		for (RedisNode node : nodes) {
			if (!result.isEmpty()) {
				result.append(", ");
			}
			result.append(node.getHost()).append(':').append(node.getPort());
		}
		return result.toString();
	}

}
