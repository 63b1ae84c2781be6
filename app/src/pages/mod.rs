pub mod account;
pub mod dev_mail;
pub mod login;
pub mod not_found;
pub mod register;
pub mod verify;
