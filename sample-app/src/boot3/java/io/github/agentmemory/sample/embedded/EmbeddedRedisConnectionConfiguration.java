package io.github.agentmemory.sample.embedded;

import org.springframework.boot.autoconfigure.data.redis.RedisConnectionDetails;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Points Spring Boot 3.5's Redis connection at the embedded server with a
 * {@link RedisConnectionDetails} bean (Boot 4.1 renamed the type {@code DataRedisConnectionDetails}; the boot4 profile compiles
 * src/boot4/java's twin of this class instead).
 * Imported by {@link EmbeddedRedisConfiguration}.
 */
@Configuration(proxyBeanMethods = false)
class EmbeddedRedisConnectionConfiguration {

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
