"""main() that ends with raise SystemExit(main()) under the guard."""


def main():
    total = 0
    for i in range(3):
        total += i
    return 0 if total == 3 else 1


if __name__ == "__main__":
    raise SystemExit(main())
    print("never")
