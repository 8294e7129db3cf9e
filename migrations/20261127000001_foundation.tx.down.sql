DROP TABLE history_entries;
DROP TABLE sessions;
DROP TABLE login_failures;
DROP TABLE users;
DROP TABLE contacts;
DROP TABLE companies;
