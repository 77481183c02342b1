from foundry_discover.lite.main import main

if __name__ == "__main__":
    main()
