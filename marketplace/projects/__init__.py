"""Funded projects (已立项项目): every tender that reached a contract, listed with filters and told as one story."""
