const path = require('path');

// SQLite unless DATABASE_CLIENT says postgres or mysql (MySQL and MariaDB); the tests run on all three.
module.exports = ({ env }) => {
  const client = env('DATABASE_CLIENT', 'sqlite');
  if (client === 'sqlite') {
    return {
      connection: {
        client: 'sqlite',
        connection: { filename: path.resolve(__dirname, '..', env('DATABASE_FILENAME', '.tmp/data.db')) },
        useNullAsDefault: true,
      },
    };
  }
  if (client !== 'postgres' && client !== 'mysql') throw new Error(`DATABASE_CLIENT must be sqlite, postgres or mysql, not ${client}`);
  return {
    connection: {
      client,
      connection: {
        host: env('DATABASE_HOST', '127.0.0.1'),
        port: env.int('DATABASE_PORT', client === 'postgres' ? 5432 : 3306),
        database: env('DATABASE_NAME', 'strapi'),
        user: env('DATABASE_USERNAME', client === 'postgres' ? 'postgres' : 'root'),
        password: env('DATABASE_PASSWORD', ''),
      },
      pool: { min: 0, max: env.int('DATABASE_POOL_MAX', 10) },
    },
  };
};
