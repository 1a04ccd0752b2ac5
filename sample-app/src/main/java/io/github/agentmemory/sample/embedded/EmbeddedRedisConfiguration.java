package io.github.agentmemory.sample.embedded;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.data.redis.RedisConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Starts an embedded {@code redis-server} and points Spring Boot's Redis connection at it,
 * unless {@code sample.embedded-redis.enabled=false}, in which case
 * {@code spring.data.redis.*} decides where Redis is.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "sample.embedded-redis.enabled", havingValue = "true", matchIfMissing = true)
class EmbeddedRedisConfiguration {

	@Bean
	EmbeddedRedis embeddedRedis(@Value("${sample.embedded-redis.port:0}") int port,
			@Value("${sample.embedded-redis.down-at-start:false}") boolean downAtStart) {
		return new EmbeddedRedis(port, !downAtStart);
	}

	@Bean
	RedisConnectionDetails embeddedRedisConnectionDetails(EmbeddedRedis embeddedRedis) {
		return new RedisConnectionDetails() {

			@Override
			public Standalone getStandalone() {
				return Standalone.of("127.0.0.1", embeddedRedis.getPort());
			}

		};
	}

}
