package io.github.agentmemory.redis.autoconfigure;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.resource.Delay;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Lettuce options that make calls fail fast while Redis is unreachable, applied to the
 * application's {@code LettuceConnectionFactory} through Spring Boot's customizers:
 * commands are rejected while disconnected instead of buffered without bound, the
 * request queue is bounded, TCP keepalive is on, reconnect attempts back off to at most
 * {@code agent-memory.redis.fail-fast.max-reconnect-delay} (Lettuce's own cap is 30 s,
 * which would keep the template waiting that long after Redis is back), and the spec's
 * 2 s command and connect
 * timeouts apply where {@code spring.data.redis.timeout} and
 * {@code spring.data.redis.connect-timeout} are not set. Switched off with
 * {@code agent-memory.redis.fail-fast.enabled=false}.
 *
 * @author agent-memory-redis
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass({ RedisClient.class, BootRedis.ClientOptionsCustomizer.class })
@ConditionalOnProperty(prefix = "agent-memory.redis.fail-fast", name = "enabled", matchIfMissing = true)
class LettuceFailFastConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "agentMemoryRedisClientOptionsCustomizer")
	BootRedis.ClientOptionsCustomizer agentMemoryRedisClientOptionsCustomizer(AgentMemoryRedisProperties properties,
			BeanFactory beanFactory) {
		AgentMemoryRedisProperties.FailFast failFast = properties.getFailFast();
		return (builder) -> {
			SocketOptions.Builder socket = builder.build().getSocketOptions().mutate().keepAlive(true);
			if (BootRedis.timeouts(beanFactory).connect() == null) {
				socket.connectTimeout(failFast.getConnectTimeout());
			}
			builder.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
				.requestQueueSize(failFast.getRequestQueueSize())
				.socketOptions(socket.build());
		};
	}

	@Bean
	@ConditionalOnMissingBean(name = "agentMemoryRedisCommandTimeoutCustomizer")
	BootRedis.ClientConfigurationCustomizer agentMemoryRedisCommandTimeoutCustomizer(
			AgentMemoryRedisProperties properties, BeanFactory beanFactory) {
		return (builder) -> {
			if (BootRedis.timeouts(beanFactory).command() == null) {
				builder.commandTimeout(properties.getFailFast().getCommandTimeout());
			}
		};
	}

	@Bean
	@ConditionalOnMissingBean(name = "agentMemoryRedisReconnectDelayCustomizer")
	BootRedis.ClientResourcesCustomizer agentMemoryRedisReconnectDelayCustomizer(AgentMemoryRedisProperties properties) {
		Duration max = properties.getFailFast().getMaxReconnectDelay();
		Duration min = (max.toMillis() < 10) ? max : Duration.ofMillis(10);
		return (builder) -> builder.reconnectDelay(Delay.exponential(min, max, 2, TimeUnit.MILLISECONDS));
	}

}
