// SMTP
