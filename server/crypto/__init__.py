"""Crypto portfolio: wallets, positions, transactions, NFTs and DeFi from a portfolio provider."""
